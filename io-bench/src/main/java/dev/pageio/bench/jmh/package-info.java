/**
 * The JMH microbenchmarks, run by {@code ./pageio-bench --jmh [JMH ARGS]} ({@link dev.pageio.bench.jmh.Jmh}):
 * {@link dev.pageio.bench.jmh.RingBenchmark} (per-request cost through a ring, NOP and 4 KiB reads per engine),
 * {@link dev.pageio.bench.jmh.TmpfsReadBenchmark} (one read by system call, the floor a ring is measured against),
 * {@link dev.pageio.bench.jmh.BookkeepingBenchmark} (the command's own per-I/O bookkeeping).
 *
 * <p>Threads: JMH's, in a forked JVM that reuses {@code pageio-bench.jar}'s class path.
 */
package dev.pageio.bench.jmh;
