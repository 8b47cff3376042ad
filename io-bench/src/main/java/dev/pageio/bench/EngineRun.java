package dev.pageio.bench;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One engine's running workload: closed-loop request slots that resubmit on completion while
 * {@link #running()} and retire once it turns false (or on their first error, as fio stops a job on error).
 * Threading: {@link #stop()}, {@link #awaitIdle} and {@link #close()} from the main thread; slots from their
 * engine's threads.
 */
abstract class EngineRun implements AutoCloseable
{
    private final CountDownLatch retired;
    private volatile boolean running = true;

    /** @param slots how many request slots (or job threads) will each {@link #retire()} once. */
    EngineRun(final int slots)
    {
        retired = new CountDownLatch(slots);
    }

    /** @return true until {@link #stop()}. */
    final boolean running()
    {
        return running;
    }

    /** A slot calls this once, when it stops resubmitting. */
    final void retire()
    {
        retired.countDown();
    }

    /** Stops issuing new requests; outstanding ones still complete. */
    final void stop()
    {
        running = false;
    }

    /** @return true when every slot has retired (stopped or failed). */
    final boolean idle()
    {
        return retired.getCount() == 0;
    }

    /** @return true when every slot retired within the timeout. */
    final boolean awaitIdle(final long timeoutNs) throws InterruptedException
    {
        return retired.await(timeoutNs, TimeUnit.NANOSECONDS);
    }

    /** @return what ran, when the CLI name does not say it all (e.g. the engine auto chose), or null. */
    String detail()
    {
        return null;
    }

    /**
     * @return the counters of the run's pageio rings now ({@link dev.pageio.core.IoRing#stats()}), one per ring, or
     * null for an engine that has no ring (the JDK baselines).
     */
    dev.pageio.core.RingStats[] ringStats()
    {
        return null;
    }

    /**
     * Main thread, while running: what the engine asked of the kernel so far (for system calls per I/O and the mean
     * batch). Not for the hot path: a pageio engine asks each ring's agent.
     *
     * @return the counts, {@link KernelCounts#UNKNOWN} where the engine does not count (the default).
     */
    KernelCounts kernelCounts()
    {
        return KernelCounts.UNKNOWN;
    }

    /** Releases channels, rings and files; after {@link #awaitIdle}. */
    @Override
    public abstract void close() throws IOException;
}
