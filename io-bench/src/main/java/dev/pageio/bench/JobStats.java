package dev.pageio.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The statistics of one job: completed reads and writes, syncs, errors (counters) and latency in nanoseconds
 * (an HdrHistogram {@link Recorder}, fixed range so recording never allocates). Record: any thread, wait-free;
 * read: the main thread, by snapshots.
 */
public final class JobStats
{
    /** Latencies above this (60 s) are recorded as this. */
    static final long HIGHEST_NS = 60_000_000_000L;

    private final Recorder latency = new Recorder(1, HIGHEST_NS, 3);
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private Histogram recycled;

    /** Records one completed I/O. */
    public void completed(final boolean read, final long latencyNs)
    {
        latency.recordValue(Math.min(Math.max(latencyNs, 1), HIGHEST_NS));
        (read ? reads : writes).incrementAndGet();
    }

    /** Records one completed sync (barrier). */
    void synced()
    {
        syncs.incrementAndGet();
    }

    /** Records {@code n} syncs issued (a pageio ring's barrier syncs, counted where they are known). */
    void synced(final long n)
    {
        syncs.addAndGet(n);
    }

    /** Records a failure; the first one's text is kept. */
    void failed(final Throwable failure)
    {
        errors.incrementAndGet();
        firstError.compareAndSet(null, String.valueOf(failure));
    }

    long ios()
    {
        return reads.get() + writes.get();
    }

    long reads()
    {
        return reads.get();
    }

    long writes()
    {
        return writes.get();
    }

    long syncs()
    {
        return syncs.get();
    }

    long errors()
    {
        return errors.get();
    }

    String firstError()
    {
        return firstError.get();
    }

    /**
     * Takes the latencies recorded since the last call (main thread only).
     *
     * @param into added to.
     */
    void drainLatencyInto(final Histogram into)
    {
        recycled = latency.getIntervalHistogram(recycled);
        into.add(recycled);
    }
}
