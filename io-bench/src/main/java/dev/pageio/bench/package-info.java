/**
 * The benchmark command ({@link dev.pageio.bench.Main}, run by {@code ./pageio-bench}): fio-style options,
 * closed-loop jobs that keep {@code --qd} requests outstanding, HdrHistogram latency, process CPU per I/O, and a
 * comparison table across engines; the JDK baselines ({@code jdk-channel}, {@code jdk-async}) beside the pageio
 * engines; and the JMH microbenchmarks ({@code ./pageio-bench --jmh}, in {@code dev.pageio.bench.jmh}). The command line
 * is declared for picocli in {@link dev.pageio.bench.BenchOptions}.
 *
 * <p>Threads: the main thread parses, prepares the file, prints progress once a second and the report; each
 * job's I/O runs on its own thread (jdk-channel), on the JDK's pool (jdk-async) or is submitted from its job
 * thread and completed on its ring's agent thread (pageio engines). Per-job statistics are
 * {@link dev.pageio.bench.JobStats}, safe to record from any thread and read by the main thread.
 */
package dev.pageio.bench;
