package dev.pageio.bench;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.Engines;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.RingStats;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.uring.UringBackend;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A pageio engine (io_uring, kernel AIO, threads, or the automatic choice), selected by name through
 * {@link RingConfig.Builder#engine}. {@code --rings} rings, job j on ring {@code j % rings}; one {@link IoFile}
 * per ring (O_DIRECT through {@link FdFileAccess} with {@link Arch#O_DIRECT}). Each job's thread submits its
 * {@code --qd} first requests through the callback API; from then on each completion handler (on the ring's
 * agent thread) records the latency and submits the slot's next request: a closed loop with nothing allocated
 * per I/O by the bench.
 *
 * <p>Barriers: with {@code --group-commit} each slot writes a page, then waits for
 * {@link IoFile#barrier(BarrierMode, IoHandler, Object, long)} in DATA mode (fdatasync) before its next write;
 * with {@code --barrier-every N} it does so after every N-th write. A commit's latency runs from the write's
 * submission to the barrier's completion. The syncs reported are the syncs the rings really issued
 * ({@link IoFile#barrierSyncs()}, read on each ring's agent thread when a barrier completes), so commits per
 * sync shows the group commit.
 */
final class PageioEngine implements BenchEngine
{
    private final String cliName;
    private final String engineName;

    /**
     * @param cliName    the {@code --engine} name: uring, aio, threads, auto.
     * @param engineName the pageio engine's name: io_uring, aio, threads, auto.
     */
    PageioEngine(final String cliName, final String engineName)
    {
        this.cliName = cliName;
        this.engineName = engineName;
    }

    @Override
    public String name()
    {
        return cliName;
    }

    @Override
    public String unavailableCause(final BenchOptions options)
    {
        if (options.onVirtualThreads() && VirtualThreads.unavailableCause() != null)
        {
            return VirtualThreads.unavailableCause();
        }
        try
        {
            if (Engines.AUTO.equals(engineName))
            {
                Engines.select(engineName);
                return null;
            }
            final IoEngine engine = Engines.byName(engineName);
            final String cause = engine.unavailableCause();
            return cause == null ? null : engineName + ": " + cause;
        }
        catch (final RuntimeException e)
        {
            return e.getMessage();
        }
    }

    @Override
    public EngineRun start(final BenchOptions options, final JobStats[] stats) throws IOException
    {
        final IoRing[] rings = new IoRing[options.rings];
        final IoFile[] files = new IoFile[options.rings];
        // Group commit: each job has one commit (a write, then its barrier) outstanding, as BenchRun reports it.
        // Virtual threads: each has one blocking request outstanding.
        final int queueDepth = options.groupCommit || options.onVirtualThreads() ? 1 : options.queueDepth;
        final int issuers = options.onVirtualThreads() ? options.virtualThreads : options.jobs;
        final Run run = new Run(issuers * queueDepth, rings, files);
        final long[] syncsSeen = new long[options.rings];
        try
        {
            for (int r = 0; r < rings.length; r++)
            {
                final int jobsOnRing = (issuers - r + rings.length - 1) / rings.length;
                final int outstanding = jobsOnRing * queueDepth;
                rings[r] = IoRing.open(agentConfig(options)
                    .engine(engineName)
                    // the slot of a completion is free before its handler runs, so the resubmission fits; the
                    // extra slot is a margin, not a need
                    .queueDepth(Math.min(32768, outstanding + 1))
                    .name("pageio-bench-ring-" + r)
                    .build());
                files[r] = rings[r].adopt(open(options));
            }
        }
        catch (final IOException | RuntimeException e)
        {
            run.close();
            throw e;
        }
        if (options.onVirtualThreads())
        {
            // thread t on ring t % rings, blocking in join(): the virtual thread parks, its carrier runs others
            VirtualThreadJobs.start(options, run, "pageio-bench-vt-", (thread, offset, buffer, read) ->
            {
                final IoFile file = files[thread % files.length];
                final int size = buffer.remaining();
                final long n = read ? file.read(offset, buffer).join() : file.write(offset, buffer).join();
                if (n != size)
                {
                    throw new EOFException("short transfer: offset=" + offset + " result=" + n);
                }
            }, stats);
            return run;
        }
        final Slot[][] slots = new Slot[options.jobs][queueDepth];
        for (int j = 0; j < options.jobs; j++)
        {
            final AtomicLong cursor = new AtomicLong();
            final long start = j * (options.blocks() / options.jobs);
            for (int s = 0; s < queueDepth; s++)
            {
                slots[j][s] = new Slot(run, options, files[j % files.length], stats[j],
                    new OffsetGenerator(options, ((long)j << 32) | s, cursor, start), j * queueDepth + s,
                    syncsSeen, j % files.length);
            }
        }
        try
        {
            register(options, rings, files, slots, run);
        }
        catch (final IOException | RuntimeException e)
        {
            run.close();
            throw e;
        }
        for (int j = 0; j < options.jobs; j++)
        {
            final Slot[] jobSlots = slots[j];
            final Thread t = new Thread(() ->
            {
                for (final Slot slot : jobSlots)
                {
                    slot.next();
                }
            }, "pageio-bench-job-" + j);
            t.setDaemon(true);
            t.start();
        }
        return run;
    }

    /**
     * @param options the command line.
     * @return a ring configuration with the agent and io_uring flags of the command line ({@code --poll},
     *         {@code --submit-batch}, {@code --sleep-after}, {@code --[no-]coop-taskrun}, {@code --[no-]defer-taskrun},
     *         {@code --sqpoll}, {@code --barrier-syncs}, {@code --[no-]adaptive-spin}); the caller sets the engine,
     *         the name and the depth. Also used by {@code --log}.
     */
    static RingConfig.Builder agentConfig(final BenchOptions options)
    {
        return RingConfig.builder()
            .coopTaskRun(options.coopTaskRun)
            .submitBatchMax(options.submitBatch)
            .barrierSyncsInFlightMax(options.barrierSyncs)
            .deferTaskRun(options.deferTaskRun)
            .sqPoll(options.sqPoll)
            .adaptiveSpin(options.adaptiveSpin)
            .idle(idle(options.poll), options.sleepAfterNs >= 0 ? options.sleepAfterNs : sleepAfter(options.poll));
    }

    /**
     * {@code --fixed-buffers}: each ring registers its slots' buffers, so every transfer goes as READ_FIXED /
     * WRITE_FIXED; {@code --fixed-files}: each ring registers its file, so every SQE carries IOSQE_FIXED_FILE. Done
     * on the agent before the first request (io_uring wants the ring quiet); a refusal fails the run with the errno.
     */
    private static void register(final BenchOptions options, final IoRing[] rings, final IoFile[] files,
        final Slot[][] slots, final Run run) throws IOException
    {
        for (int r = 0; r < rings.length; r++)
        {
            if (options.fixedBuffers)
            {
                final List<ByteBuffer> buffers = new ArrayList<>();
                for (int j = r; j < slots.length; j += rings.length)
                {
                    for (final Slot slot : slots[j])
                    {
                        buffers.add(slot.buffer);
                    }
                }
                final int result = await(rings[r].registerBuffers(buffers.toArray(new ByteBuffer[0])));
                if (result < 0)
                {
                    throw new IOException("--fixed-buffers: ring " + r + " could not register " + buffers.size() +
                        " buffers: errno=" + Errno.name(-result) + " engine=" + rings[r].engineName());
                }
            }
            if (options.fixedFiles)
            {
                final FileAccess access = files[r].access();
                final int result = await(rings[r].onAgent(b -> b instanceof UringBackend ?
                    ((UringBackend)b).registerFiles(access) : -RingBackend.EOPNOTSUPP));
                if (result < 0)
                {
                    throw new IOException("--fixed-files: ring " + r + " could not register its file: errno=" +
                        Errno.name(-result) + " engine=" + rings[r].engineName());
                }
                run.filesRegistered[r] = true;
            }
        }
    }

    private static int await(final CompletableFuture<Integer> result) throws IOException
    {
        try
        {
            return result.get(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while registering", e);
        }
        catch (final ExecutionException | TimeoutException e)
        {
            throw new IOException("registering failed: " + e, e);
        }
    }

    private static java.util.function.Supplier<org.agrona.concurrent.IdleStrategy> idle(final String poll)
    {
        return "spin".equals(poll) ? org.agrona.concurrent.BusySpinIdleStrategy::new :
            RingConfig.defaults()::newIdleStrategy;
    }

    private static long sleepAfter(final String poll)
    {
        switch (poll)
        {
            case "spin":
                return Long.MAX_VALUE;
            case "sleep":
                return 0;
            default:
                return RingConfig.defaults().sleepAfterIdleNs();
        }
    }

    private static FileAccess open(final BenchOptions options) throws IOException
    {
        final Set<OpenOption> set = new HashSet<>();
        set.add(StandardOpenOption.READ);
        if (options.rw.writes)
        {
            set.add(StandardOpenOption.WRITE);
        }
        return FdFileAccess.open(options.file, set, options.direct ? Arch.O_DIRECT : 0);
    }

    private static final class Run extends EngineRun
    {
        private final IoRing[] rings;
        private final IoFile[] files;
        /** Rings whose file is registered (--fixed-files): unregistered before the file closes. */
        final boolean[] filesRegistered;

        Run(final int slots, final IoRing[] rings, final IoFile[] files)
        {
            super(slots);
            this.rings = rings;
            this.files = files;
            this.filesRegistered = new boolean[rings.length];
        }

        @Override
        String detail()
        {
            return rings[0] != null && !rings[0].engineName().equals(name(rings[0])) ? rings[0].engineName() : null;
        }

        private static String name(final IoRing ring)
        {
            return ring.config().engine();
        }

        @Override
        RingStats[] ringStats()
        {
            final RingStats[] stats = new RingStats[rings.length];
            for (int i = 0; i < rings.length; i++)
            {
                stats[i] = rings[i].stats();
            }
            return stats;
        }

        @Override
        KernelCounts kernelCounts()
        {
            long systemCalls = 0;
            long submitCalls = 0;
            long requests = 0;
            long fixedBuffers = 0;
            long fixedFiles = 0;
            boolean uring = true;
            for (final IoRing r : rings)
            {
                final long[] c;
                try
                {
                    c = r.onAgent(b -> new long[] {b.systemCalls(), b.submitCalls(), b.requestsSubmitted(),
                        b instanceof UringBackend ? ((UringBackend)b).fixedBufferOps() : -1,
                        b instanceof UringBackend ? ((UringBackend)b).fixedFileOps() : -1})
                        .get(5, TimeUnit.SECONDS);
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                    return KernelCounts.UNKNOWN;
                }
                catch (final ExecutionException | TimeoutException e)
                {
                    return KernelCounts.UNKNOWN;
                }
                if (c[0] < 0 || c[1] < 0 || c[2] < 0)
                {
                    return KernelCounts.UNKNOWN;
                }
                systemCalls += c[0];
                submitCalls += c[1];
                requests += c[2];
                fixedBuffers += c[3];
                fixedFiles += c[4];
                uring &= c[3] >= 0;
            }
            return new KernelCounts(systemCalls, submitCalls, requests, uring ? fixedBuffers : -1, uring ? fixedFiles : -1);
        }

        @Override
        public void close() throws IOException
        {
            for (int r = 0; r < rings.length; r++)
            {
                if (filesRegistered[r])
                {
                    // io_uring holds a reference to a registered file: drop it before the file closes
                    filesRegistered[r] = false;
                    await(rings[r].onAgent(b -> ((UringBackend)b).unregisterFiles()));
                }
            }
            for (final IoFile f : files)
            {
                if (f != null)
                {
                    f.close();
                }
            }
            for (final IoRing r : rings)
            {
                if (r != null)
                {
                    r.close();
                }
            }
        }
    }

    /** One outstanding request; it is its own completion handler, and its barrier's. */
    private static final class Slot implements IoHandler<Void>
    {
        private final Run run;
        private final IoFile file;
        private final JobStats stats;
        private final OffsetGenerator offsets;
        private final ByteBuffer buffer;
        private final int barrierEvery;
        private final long[] syncsSeen;
        private final int ring;
        private final IoHandler<Void> barrierDone;
        private long writes;
        private long offset;
        private boolean read;
        private long startNs;

        Slot(final Run run, final BenchOptions options, final IoFile file, final JobStats stats,
            final OffsetGenerator offsets, final int index, final long[] syncsSeen, final int ring)
        {
            this.run = run;
            this.file = file;
            this.stats = stats;
            this.offsets = offsets;
            this.buffer = Buffers.aligned(options.blockSize, index);
            this.barrierEvery = options.groupCommit ? 1 : options.barrierEvery;
            this.syncsSeen = syncsSeen;
            this.ring = ring;
            this.barrierDone = new IoHandler<>()
            {
                @Override
                public void completed(final long result, final Void attachment, final long token)
                {
                    countSyncs();
                    Slot.this.stats.completed(false, System.nanoTime() - startNs);
                    next();
                }

                @Override
                public void failed(final IoFailure failure, final Void attachment, final long token)
                {
                    Slot.this.stats.failed(failure);
                    Slot.this.run.retire();
                }
            };
        }

        /** Agent thread of this slot's ring: adds the syncs the ring issued since the last look. */
        private void countSyncs()
        {
            final long syncs = file.barrierSyncs();
            final long n = syncs - syncsSeen[ring];
            if (n > 0)
            {
                syncsSeen[ring] = syncs;
                stats.synced(n);
            }
        }

        void next()
        {
            if (!run.running())
            {
                run.retire();
                return;
            }
            offset = offsets.nextOffset();
            read = offsets.nextIsRead();
            buffer.clear();
            startNs = System.nanoTime();
            try
            {
                if (read)
                {
                    file.read(offset, buffer, this, null, 0);
                }
                else
                {
                    file.write(offset, buffer, this, null, 0);
                }
            }
            catch (final RuntimeException e)
            {
                stats.failed(e);
                run.retire();
            }
        }

        @Override
        public void completed(final long result, final Void attachment, final long token)
        {
            if (result != buffer.capacity())
            {
                stats.failed(new EOFException("short transfer: offset=" + offset + " result=" + result));
                run.retire();
                return;
            }
            if (!read && barrierEvery > 0 && ++writes % barrierEvery == 0)
            {
                try
                {
                    // The write's slot is already free, so the barrier fits in the ring.
                    file.barrier(BarrierMode.DATA, barrierDone, null, 0);
                }
                catch (final RuntimeException e)
                {
                    stats.failed(e);
                    run.retire();
                }
                return;
            }
            stats.completed(read, System.nanoTime() - startNs);
            next();
        }

        @Override
        public void failed(final IoFailure failure, final Void attachment, final long token)
        {
            stats.failed(failure);
            run.retire();
        }
    }
}
