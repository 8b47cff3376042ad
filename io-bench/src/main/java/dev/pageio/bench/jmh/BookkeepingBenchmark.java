package dev.pageio.bench.jmh;

import dev.pageio.bench.BenchOptions;
import dev.pageio.bench.JobStats;
import dev.pageio.bench.OffsetGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the bench command itself adds to every I/O: the next offset and direction, two clock reads and the
 * latency record. Run with {@code ./pageio-bench --jmh Bookkeeping -prof gc}: it must show 0 B/op, or the
 * command would measure its own garbage.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BookkeepingBenchmark
{
    private OffsetGenerator offsets;
    private JobStats stats;

    /** Builds a 1 GiB 70/30 random mix, as the command would. */
    @Setup
    public void setUp()
    {
        final BenchOptions options = BenchOptions.parse("--rw", "randrw", "--mix", "70");
        offsets = new OffsetGenerator(options, 42, new AtomicLong(), 0);
        stats = new JobStats();
    }

    /** @return the offset, so the work is not eliminated. */
    @Benchmark
    public long recordOneIo()
    {
        final long offset = offsets.nextOffset();
        final boolean read = offsets.nextIsRead();
        final long startNs = System.nanoTime();
        stats.completed(read, System.nanoTime() - startNs + 1_000);
        return offset;
    }
}
