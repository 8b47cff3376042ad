package dev.pageio.bench;

import dev.pageio.channel.PageioFileChannel;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.RingStats;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The drop-in {@link AsynchronousFileChannel} against the JDK's, the same loop as {@code jdk-async}: {@code --qd}
 * requests outstanding per job, each slot resubmitting from its completion handler, which runs on the default pool
 * of either implementation (the JDK's, or pageio's {@code DefaultHandlerPool}); a barrier is {@code force(false)}
 * called by the completing thread. Engines:
 * <ul>
 *   <li>{@code pageio-afc}: {@link PageioFileChannel} with direct buffers, one ring ({@code auto}) for all jobs;</li>
 *   <li>{@code pageio-afc-heap}: the same with heap buffers (copied through the channel's pooled direct ones);</li>
 *   <li>{@code jdk-async-heap}: the JDK's channel with heap buffers ({@code jdk-async} is the direct-buffer one).</li>
 * </ul>
 */
final class ChannelEngine implements BenchEngine
{
    private final String name;
    private final boolean pageio;
    private final boolean heap;

    ChannelEngine(final String name, final boolean pageio, final boolean heap)
    {
        this.name = name;
        this.pageio = pageio;
        this.heap = heap;
    }

    /** @return the three engines of this class. */
    static BenchEngine[] all()
    {
        return new BenchEngine[] {
            new ChannelEngine("pageio-afc", true, false),
            new ChannelEngine("pageio-afc-heap", true, true),
            new ChannelEngine("jdk-async-heap", false, true)};
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public String unavailableCause(final BenchOptions options)
    {
        return options.onVirtualThreads() ? VirtualThreadJobs.NOT_BLOCKING : null;
    }

    @Override
    public EngineRun start(final BenchOptions options, final JobStats[] stats) throws IOException
    {
        final AsynchronousFileChannel[] channels = new AsynchronousFileChannel[options.jobs];
        IoRing ring = null;
        final Run run = new Run(options.jobs * options.queueDepth, channels);
        try
        {
            if (pageio)
            {
                ring = IoRing.open(RingConfig.builder()
                    .queueDepth(Math.min(32768, options.jobs * options.queueDepth + 1))
                    .name("pageio-bench-afc")
                    .coopTaskRun(options.coopTaskRun)
                    .submitBatchMax(options.submitBatch)
                    .deferTaskRun(options.deferTaskRun)
                    .sqPoll(options.sqPoll)
                    .build());
                run.ring = ring;
            }
            for (int j = 0; j < options.jobs; j++)
            {
                channels[j] = pageio ?
                    PageioFileChannel.open(ring, options.file, JdkOpen.options(options), null) :
                    AsynchronousFileChannel.open(options.file, JdkOpen.options(options), null);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            run.close();
            throw e;
        }
        final Slot[] slots = new Slot[options.jobs * options.queueDepth];
        for (int j = 0; j < options.jobs; j++)
        {
            final AtomicLong cursor = new AtomicLong();
            final AtomicLong jobWrites = new AtomicLong();
            final long start = j * (options.blocks() / options.jobs);
            for (int s = 0; s < options.queueDepth; s++)
            {
                final int index = j * options.queueDepth + s;
                final ByteBuffer buffer;
                if (heap)
                {
                    buffer = ByteBuffer.allocate(options.blockSize);
                    buffer.put(Buffers.aligned(options.blockSize, index)).clear();
                }
                else
                {
                    buffer = Buffers.aligned(options.blockSize, index);
                }
                slots[index] = new Slot(run, options, channels[j], stats[j],
                    new OffsetGenerator(options, ((long)j << 32) | s, cursor, start), jobWrites, buffer);
            }
        }
        for (final Slot slot : slots)
        {
            slot.next();
        }
        return run;
    }

    private static final class Run extends EngineRun
    {
        private final AsynchronousFileChannel[] channels;
        IoRing ring;

        Run(final int slots, final AsynchronousFileChannel[] channels)
        {
            super(slots);
            this.channels = channels;
        }

        /** @return the pageio ring's counters (system calls, wakeups, agent sleeps per I/O); null for the JDK's. */
        @Override
        RingStats[] ringStats()
        {
            return ring == null ? null : new RingStats[] {ring.stats()};
        }

        @Override
        public void close() throws IOException
        {
            try
            {
                for (final AsynchronousFileChannel ch : channels)
                {
                    if (ch != null)
                    {
                        ch.close();
                    }
                }
            }
            finally
            {
                if (ring != null)
                {
                    ring.close();
                }
            }
        }
    }

    /** One outstanding request; it is its own completion handler, so resubmitting allocates nothing here. */
    private static final class Slot implements CompletionHandler<Integer, Void>
    {
        private final Run run;
        private final AsynchronousFileChannel channel;
        private final JobStats stats;
        private final OffsetGenerator offsets;
        private final AtomicLong jobWrites;
        private final ByteBuffer buffer;
        private final int barrierEvery;
        private final boolean groupCommit;
        private long offset;
        private boolean read;
        private long startNs;

        Slot(
            final Run run,
            final BenchOptions options,
            final AsynchronousFileChannel channel,
            final JobStats stats,
            final OffsetGenerator offsets,
            final AtomicLong jobWrites,
            final ByteBuffer buffer)
        {
            this.run = run;
            this.channel = channel;
            this.stats = stats;
            this.offsets = offsets;
            this.jobWrites = jobWrites;
            this.buffer = buffer;
            this.barrierEvery = options.barrierEvery;
            this.groupCommit = options.groupCommit;
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
            issue();
        }

        private void issue()
        {
            try
            {
                if (read)
                {
                    channel.read(buffer, offset + buffer.position(), null, this);
                }
                else
                {
                    channel.write(buffer, offset + buffer.position(), null, this);
                }
            }
            catch (final RuntimeException e)
            {
                failed(e, null);
            }
        }

        @Override
        public void completed(final Integer result, final Void attachment)
        {
            if (result < 0)
            {
                failed(new EOFException("read past end of file: offset=" + offset), null);
                return;
            }
            if (buffer.hasRemaining())
            {
                issue();
                return;
            }
            if (!read && (groupCommit || (barrierEvery > 0 && jobWrites.incrementAndGet() % barrierEvery == 0)))
            {
                try
                {
                    channel.force(false);
                    stats.synced();
                }
                catch (final IOException | RuntimeException e)
                {
                    failed(e, null);
                    return;
                }
            }
            stats.completed(read, System.nanoTime() - startNs);
            next();
        }

        @Override
        public void failed(final Throwable failure, final Void attachment)
        {
            stats.failed(failure);
            run.retire();
        }
    }
}
