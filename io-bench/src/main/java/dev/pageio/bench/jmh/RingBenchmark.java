package dev.pageio.bench.jmh;

import dev.pageio.bench.BenchOptions;
import dev.pageio.bench.Buffers;
import dev.pageio.bench.OffsetGenerator;
import dev.pageio.bench.TestFile;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-request overhead of a pageio ring on the callback path: submit one 4 KiB O_DIRECT read of a tmpfs file
 * and reap its completion (one at a time, and 32 at a time), with the caller driving the ring
 * ({@code CALLER}: no thread hand-off, the ring's own cost) or a dedicated agent thread. Run with
 * {@code ./pageio-bench --jmh Ring -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per I/O,
 * whose target is 0. {@code -p engine=io_uring,aio,threads} picks engines (threads is the default until the
 * kernel engines are on main).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RingBenchmark
{
    private static final int BLOCK = 4096;
    private static final int BATCH = 32;
    private static final long SIZE = 64L << 20;

    /** The pageio engine. */
    @Param("threads")
    public String engine;

    /** CALLER (this thread polls the ring) or DEDICATED (the ring's agent thread). */
    @Param({"CALLER", "DEDICATED"})
    public String threadMode;

    /** The file, on tmpfs; created, filled and deleted by the benchmark. */
    @Param("/dev/shm/pageio-jmh-ring.dat")
    public String path;

    private IoRing ring;
    private IoFile file;
    private boolean caller;
    private final ByteBuffer[] buffers = new ByteBuffer[BATCH];
    private OffsetGenerator offsets;
    private final Counter done = new Counter();

    /** Counts completions; handler and attachment in one object, so submitting allocates nothing here. */
    static final class Counter implements IoHandler<Void>
    {
        private volatile int completed;
        private volatile int failed;
        private volatile IoFailure lastFailure;

        @Override
        public void completed(final long result, final Void attachment, final long token)
        {
            completed++; // one agent thread (or the polling caller) writes: no lost update
        }

        @Override
        public void failed(final IoFailure failure, final Void attachment, final long token)
        {
            lastFailure = failure;
            failed++;
        }
    }

    /** Fills the file and opens the ring. */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        TestFile.prepare(Path.of(path), SIZE, System.err);
        caller = "CALLER".equals(threadMode);
        ring = IoRing.open(RingConfig.builder()
            .engine(engine)
            .queueDepth(BATCH * 2)
            .threadMode(RingConfig.ThreadMode.valueOf(threadMode))
            .name("jmh-ring")
            .build());
        file = ring.adopt(FdFileAccess.open(Path.of(path), Set.of(StandardOpenOption.READ), Arch.O_DIRECT));
        for (int i = 0; i < BATCH; i++)
        {
            buffers[i] = Buffers.aligned(BLOCK, i);
        }
        offsets = new OffsetGenerator(BenchOptions.parse("--size", "64m"), 11, new AtomicLong(), 0);
    }

    /** Closes and deletes. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        file.close();
        ring.close();
        Files.deleteIfExists(Path.of(path));
        if (done.failed > 0)
        {
            throw new IllegalStateException("requests failed: failed=" + done.failed + " last=" + done.lastFailure);
        }
    }

    private void awaitCompletions(final int target)
    {
        while (done.completed + done.failed < target)
        {
            if (caller)
            {
                ring.poll();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    /** @return completions so far: submit one read, reap it. */
    @Benchmark
    public int submitAndReapOne()
    {
        final int target = done.completed + done.failed + 1;
        final ByteBuffer b = buffers[0];
        b.clear();
        file.read(offsets.nextOffset(), b, done, null, 0);
        awaitCompletions(target);
        return target;
    }

    /** @return completions so far: submit one no-op (IORING_OP_NOP on io_uring), reap it: the ring's own cost. */
    @Benchmark
    public int submitAndReapOneNop()
    {
        final int target = done.completed + done.failed + 1;
        file.nop(done, null, 0);
        awaitCompletions(target);
        return target;
    }

    /** @return completions so far: submit 32 no-ops, reap all 32 (time per no-op). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int submitAndReapBatchOf32Nops()
    {
        final int target = done.completed + done.failed + BATCH;
        for (int i = 0; i < BATCH; i++)
        {
            file.nop(done, null, 0);
        }
        awaitCompletions(target);
        return target;
    }

    /** @return completions so far: submit 32 reads, reap all 32 (time per read). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int submitAndReapBatchOf32()
    {
        final int target = done.completed + done.failed + BATCH;
        for (int i = 0; i < BATCH; i++)
        {
            final ByteBuffer b = buffers[i];
            b.clear();
            file.read(offsets.nextOffset(), b, done, null, 0);
        }
        awaitCompletions(target);
        return target;
    }
}
