/**
 * A Lucene {@code Directory} on pageio: index files read and written with O_DIRECT through io_uring, kernel AIO
 * or the thread engine.
 *
 * <ul>
 *   <li>{@link dev.pageio.lucene.PageioDirectory}: every file through pageio, on one ring per directory.
 *   Outputs write whole aligned blocks from two alternating buffers (one fills while the other is written);
 *   inputs read aligned windows and read ahead when read sequentially; {@code sync} is one group barrier.</li>
 *   <li>{@link dev.pageio.lucene.PageioMergeDirectory} ({@code PageioDirectory.forMerges(delegate)}): merges and
 *   large flushes through pageio, searches on the delegate (typically {@code MMapDirectory}), as Lucene's
 *   {@code DirectIODirectory} splits them.</li>
 * </ul>
 *
 * <p>Threading: a directory may be used from any number of threads; an {@code IndexInput} or
 * {@code IndexOutput} by one thread at a time (Lucene's contract). A thread waiting for I/O parks
 * ({@link java.util.concurrent.locks.LockSupport}), never inside {@code synchronized}: a virtual thread waiting
 * for a read releases its carrier. Completions run on the ring's agent thread and only publish and unpark.
 */
package dev.pageio.lucene;
