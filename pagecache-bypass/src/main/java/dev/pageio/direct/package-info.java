/**
 * O_DIRECT files and page storage for storage engines.
 *
 * <ul>
 *   <li>{@link dev.pageio.direct.DirectFile}: a file opened {@code O_DIRECT | O_CLOEXEC} under a
 *   {@link dev.pageio.direct.DirectIoPolicy}, with its {@link dev.pageio.direct.Alignment} discovered at open
 *   (statx {@code STATX_DIOALIGN}, else the block device's logical block size, else the filesystem block
 *   size), preallocation, growth, truncation and directory sync. Blocking methods: any thread.</li>
 *   <li>{@link dev.pageio.direct.AlignedBufferPool}: a bounded pool of off-heap page buffers aligned for
 *   O_DIRECT; acquire and release from any thread, lock-free.</li>
 *   <li>{@link dev.pageio.direct.PageStore}: pages by number on one O_DIRECT file, with barriers, sequence
 *   numbers ({@code barrierCovering}) and WAL-before-page ordering ({@code writePageAfter}). Any thread;
 *   handlers run on the ring's agent thread.</li>
 *   <li>{@link dev.pageio.direct.LogFile}: the write-ahead log beside the pages (format in
 *   {@code LogFrameDescriptor}). {@code append} and {@code commit}: any thread, lock-free; the flusher runs on
 *   the ring's agent thread; segment preparation, truncation and kicks the ring had no room for run on the log's
 *   own preparer thread. Its work is done in package-private rooms sharing a {@code LogState}: {@code LogAppender}
 *   (claim and copy), {@code LogCommitters} (waiting commits), {@code LogFlusher} (writes and barriers, agent thread),
 *   {@code LogSegments} (preparation, recycling, truncation) and {@code LogRecovery} (open).
 *   {@link dev.pageio.direct.LogReader}: one thread, blocking.</li>
 * </ul>
 *
 * <p>Native structs read here ({@code struct statx}, {@code struct statfs}) have their offsets in
 * {@link dev.pageio.direct.StatxDescriptor} and {@link dev.pageio.direct.StatfsDescriptor}.
 */
package dev.pageio.direct;
