package dev.pageio.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Baseline: positional {@link FileChannel} I/O from {@code --jobs} threads, each synchronous (one request
 * outstanding per job, so the queue depth is the number of jobs). A barrier is {@code force(false)}
 * (fdatasync) on the job's thread.
 */
final class JdkChannelEngine implements BenchEngine
{
    @Override
    public String name()
    {
        return "jdk-channel";
    }

    @Override
    public String unavailableCause(final BenchOptions options)
    {
        return options.onVirtualThreads() ? VirtualThreads.unavailableCause() : null;
    }

    @Override
    public EngineRun start(final BenchOptions options, final JobStats[] stats) throws IOException
    {
        if (options.onVirtualThreads())
        {
            return startVirtual(options, stats);
        }
        final FileChannel[] channels = new FileChannel[options.jobs];
        final Run run = new Run(options.jobs, channels);
        try
        {
            for (int j = 0; j < options.jobs; j++)
            {
                channels[j] = FileChannel.open(options.file, JdkOpen.options(options));
            }
        }
        catch (final IOException | RuntimeException e)
        {
            run.close();
            throw e;
        }
        for (int j = 0; j < options.jobs; j++)
        {
            final Job job = new Job(run, options, channels[j], stats[j], j);
            final Thread t = new Thread(job, "jdk-channel-job-" + j);
            t.setDaemon(true);
            t.start();
        }
        return run;
    }

    /**
     * {@code --virtual-threads N}: N virtual threads share one channel (positional I/O is thread-safe), each making
     * one blocking read or write at a time; thread t records into job {@code t % jobs}'s statistics.
     */
    private static EngineRun startVirtual(final BenchOptions options, final JobStats[] stats) throws IOException
    {
        final FileChannel[] channels = {FileChannel.open(options.file, JdkOpen.options(options))};
        final Run run = new Run(options.virtualThreads, channels);
        VirtualThreadJobs.start(options, run, "jdk-channel-vt-", (thread, offset, buffer, read) ->
        {
            while (buffer.hasRemaining())
            {
                final int n = read ?
                    channels[0].read(buffer, offset + buffer.position()) :
                    channels[0].write(buffer, offset + buffer.position());
                if (n < 0)
                {
                    throw new EOFException("read past end of file: offset=" + offset);
                }
            }
        }, stats);
        return run;
    }

    private static final class Run extends EngineRun
    {
        private final FileChannel[] channels;

        Run(final int jobs, final FileChannel[] channels)
        {
            super(jobs);
            this.channels = channels;
        }

        @Override
        public void close() throws IOException
        {
            for (final FileChannel ch : channels)
            {
                if (ch != null)
                {
                    ch.close();
                }
            }
        }
    }

    private static final class Job implements Runnable
    {
        private final Run run;
        private final FileChannel channel;
        private final JobStats stats;
        private final OffsetGenerator offsets;
        private final ByteBuffer buffer;
        private final int barrierEvery;
        private final boolean groupCommit;

        Job(final Run run, final BenchOptions options, final FileChannel channel, final JobStats stats, final int job)
        {
            this.run = run;
            this.channel = channel;
            this.stats = stats;
            this.offsets = new OffsetGenerator(options, job, new AtomicLong(), job * (options.blocks() / options.jobs));
            this.buffer = Buffers.aligned(options.blockSize, job);
            this.barrierEvery = options.barrierEvery;
            this.groupCommit = options.groupCommit;
        }

        @Override
        public void run()
        {
            long writes = 0;
            try
            {
                while (run.running())
                {
                    final long offset = offsets.nextOffset();
                    final boolean read = offsets.nextIsRead();
                    final long startNs = System.nanoTime();
                    buffer.clear();
                    while (buffer.hasRemaining())
                    {
                        final int n = read ?
                            channel.read(buffer, offset + buffer.position()) :
                            channel.write(buffer, offset + buffer.position());
                        if (n < 0)
                        {
                            throw new EOFException("read past end of file: offset=" + offset);
                        }
                    }
                    if (!read && (groupCommit || (barrierEvery > 0 && ++writes % barrierEvery == 0)))
                    {
                        channel.force(false);
                        stats.synced();
                    }
                    // group commit: the latency of a commit (write, then its barrier)
                    stats.completed(read, System.nanoTime() - startNs);
                }
            }
            catch (final IOException | RuntimeException e)
            {
                stats.failed(e);
            }
            finally
            {
                run.retire();
            }
        }
    }
}
