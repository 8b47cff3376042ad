package dev.pageio.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code --virtual-threads N} workload, shared by the blocking engines: N virtual threads, each with its own
 * aligned buffer, make one blocking request at a time in a loop until the run stops, recording into the statistics
 * of job {@code t % jobs} and retiring once. The engine supplies the blocking request.
 */
final class VirtualThreadJobs
{
    /** Why the asynchronous engines do not take {@code --virtual-threads}. */
    static final String NOT_BLOCKING =
        "--virtual-threads runs the blocking engines only: jdk-channel, uring, aio, threads, auto";

    private VirtualThreadJobs()
    {
    }

    /** One blocking request of a virtual thread. */
    interface BlockingIo
    {
        /**
         * @param thread the virtual thread's number, 0 to N-1.
         * @param offset the file offset.
         * @param buffer the thread's buffer, cleared.
         * @param read   true for a read, false for a write.
         * @throws IOException as the engine reports a failure.
         */
        void transfer(int thread, long offset, ByteBuffer buffer, boolean read) throws IOException;
    }

    /**
     * Starts the N virtual threads.
     *
     * @param options the workload ({@code virtualThreads}, {@code jobs}).
     * @param run     the run: each thread retires from it once.
     * @param prefix  the threads' name prefix.
     * @param io      the engine's blocking request.
     * @param stats   one per job.
     */
    static void start(final BenchOptions options, final EngineRun run, final String prefix, final BlockingIo io,
        final JobStats[] stats)
    {
        final int jobs = options.jobs;
        final AtomicLong[] cursors = new AtomicLong[jobs];
        for (int j = 0; j < jobs; j++)
        {
            cursors[j] = new AtomicLong();
        }
        for (int t = 0; t < options.virtualThreads; t++)
        {
            final int thread = t;
            final int job = t % jobs;
            final OffsetGenerator offsets = new OffsetGenerator(options, ((long)job << 32) | (t / jobs), cursors[job],
                job * (options.blocks() / jobs));
            final ByteBuffer buffer = Buffers.aligned(options.blockSize, t);
            final JobStats jobStats = stats[job];
            VirtualThreads.start(prefix + t, () ->
            {
                try
                {
                    while (run.running())
                    {
                        final long offset = offsets.nextOffset();
                        final boolean read = offsets.nextIsRead();
                        buffer.clear();
                        final long startNs = System.nanoTime();
                        io.transfer(thread, offset, buffer, read);
                        jobStats.completed(read, System.nanoTime() - startNs);
                    }
                }
                catch (final IOException | RuntimeException e)
                {
                    jobStats.failed(e);
                }
                finally
                {
                    run.retire();
                }
            });
        }
    }
}
