package dev.pageio.bench;

import dev.pageio.core.RingStats;

import java.util.Locale;

/**
 * What the measured interval cost the pageio rings, from their own counters ({@link RingStats}, the deltas between
 * the start and the end of the measurement, summed over the rings): system calls per I/O and the mean batch size
 * the agents handed to the kernel. Null for the JDK baselines, which have no ring.
 */
final class RingTotals
{
    final long ios;
    final long submitCalls;
    final long waitCalls;
    final long wakeups;
    final long batches;
    final long batchedRequests;
    final long agentSleeps;
    final long queueFullWaits;
    final long syncsIssued;
    final long barriersCompleted;

    private RingTotals(final RingStats[] start, final RingStats[] end)
    {
        long ios = 0;
        long submitCalls = 0;
        long waitCalls = 0;
        long wakeups = 0;
        long batches = 0;
        long batchedRequests = 0;
        long agentSleeps = 0;
        long queueFullWaits = 0;
        long syncsIssued = 0;
        long barriersCompleted = 0;
        for (int i = 0; i < end.length; i++)
        {
            final RingStats d = start == null ? end[i] : end[i].minus(start[i]);
            ios += d.ios();
            submitCalls += d.submitCalls();
            waitCalls += d.waitCalls();
            wakeups += d.wakeups();
            batches += d.batches();
            batchedRequests += d.batchedRequests();
            agentSleeps += d.agentSleeps();
            queueFullWaits += d.queueFullWaits();
            syncsIssued += d.syncsIssued();
            barriersCompleted += d.barriersCompleted();
        }
        this.ios = ios;
        this.submitCalls = submitCalls;
        this.waitCalls = waitCalls;
        this.wakeups = wakeups;
        this.batches = batches;
        this.batchedRequests = batchedRequests;
        this.agentSleeps = agentSleeps;
        this.queueFullWaits = queueFullWaits;
        this.syncsIssued = syncsIssued;
        this.barriersCompleted = barriersCompleted;
    }

    /**
     * @param start the rings' counters when the measurement began, or null for "since they opened".
     * @param end   the rings' counters when it ended, or null for an engine without rings.
     * @return the interval's totals, or null without rings.
     */
    static RingTotals between(final RingStats[] start, final RingStats[] end)
    {
        return end == null || (start != null && start.length != end.length) ? null : new RingTotals(start, end);
    }

    long systemCalls()
    {
        return submitCalls + waitCalls + wakeups;
    }

    double systemCallsPerIo()
    {
        return ios == 0 ? 0 : (double)systemCalls() / ios;
    }

    double meanBatchSize()
    {
        return batches == 0 ? 0 : (double)batchedRequests / batches;
    }

    double commitsPerSync()
    {
        return syncsIssued == 0 ? 0 : (double)barriersCompleted / syncsIssued;
    }

    /** @return the report's line, with its leading indent and newline. */
    String toText()
    {
        return String.format(Locale.ROOT,
            "  ring: syscalls/io=%.3f (submit %,d, wait %,d, wakeups %,d over %,d ios)  mean batch=%.2f  " +
            "agent sleeps=%,d  queue-full waits=%,d%s%n",
            systemCallsPerIo(), submitCalls, waitCalls, wakeups, ios, meanBatchSize(), agentSleeps, queueFullWaits,
            syncsIssued > 0 ? String.format(Locale.ROOT, "  commits/sync=%.2f", commitsPerSync()) : "");
    }

    /** @return the JSON object's members, without braces. */
    String toJson()
    {
        return String.format(Locale.ROOT,
            "\"syscalls_per_io\":%.4f,\"submit_calls\":%d,\"wait_calls\":%d,\"wakeups\":%d,\"ios\":%d," +
            "\"batches\":%d,\"mean_batch_size\":%.3f,\"agent_sleeps\":%d,\"queue_full_waits\":%d,\"syncs_issued\":%d," +
            "\"barriers_completed\":%d",
            systemCallsPerIo(), submitCalls, waitCalls, wakeups, ios, batches, meanBatchSize(), agentSleeps,
            queueFullWaits, syncsIssued, barriersCompleted);
    }
}
