package dev.pageio.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline: {@link AsynchronousFileChannel} on the JDK's default pool (on Linux the JDK simulates asynchronous
 * file I/O with that pool's threads), {@code --qd} requests outstanding per job, each slot resubmitting from its
 * completion handler. A barrier is {@code force(false)} called by the completing thread.
 */
final class JdkAsyncEngine implements BenchEngine
{
    @Override
    public String name()
    {
        return "jdk-async";
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
        final Run run = new Run(options.jobs * options.queueDepth, channels);
        try
        {
            for (int j = 0; j < options.jobs; j++)
            {
                channels[j] = AsynchronousFileChannel.open(options.file, JdkOpen.options(options), null);
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
                slots[index] = new Slot(run, options, channels[j], stats[j],
                    new OffsetGenerator(options, ((long)j << 32) | s, cursor, start), jobWrites, index);
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

        Run(final int slots, final AsynchronousFileChannel[] channels)
        {
            super(slots);
            this.channels = channels;
        }

        @Override
        public void close() throws IOException
        {
            for (final AsynchronousFileChannel ch : channels)
            {
                if (ch != null)
                {
                    ch.close();
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
            final int index)
        {
            this.run = run;
            this.channel = channel;
            this.stats = stats;
            this.offsets = offsets;
            this.jobWrites = jobWrites;
            this.buffer = Buffers.aligned(options.blockSize, index);
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
