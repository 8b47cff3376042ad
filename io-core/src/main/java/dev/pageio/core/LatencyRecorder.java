package dev.pageio.core;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.TimeUnit;

/**
 * Per-operation latency histograms of one ring, from the submitting call to the completion on the agent, in
 * nanoseconds: an HdrHistogram {@link SingleWriterRecorder} per {@link IoOp}, written by the agent alone (no
 * allocation: values up to {@link #HIGHEST_NS} at 2 significant digits, i.e. within 1 %), and accumulated on
 * demand by {@link #snapshot}. Present only when {@link RingConfig#latencyRecording()} asks for it.
 *
 * <p>Threading: {@link #record}: the agent. {@link #snapshot}: any thread.
 */
final class LatencyRecorder
{
    /** Longest latency recorded as such; longer ones are recorded as this. */
    static final long HIGHEST_NS = TimeUnit.MINUTES.toNanos(10);
    private static final int DIGITS = 2;

    private final SingleWriterRecorder[] recorders = new SingleWriterRecorder[IoOp.values().length];
    private final Histogram[] totals = new Histogram[recorders.length];
    private final Histogram[] intervals = new Histogram[recorders.length];

    LatencyRecorder()
    {
        for (int i = 0; i < recorders.length; i++)
        {
            recorders[i] = new SingleWriterRecorder(1, HIGHEST_NS, DIGITS);
            totals[i] = new Histogram(1, HIGHEST_NS, DIGITS);
        }
    }

    /** Agent thread: records one request's latency. */
    void record(final IoOp op, final long latencyNs)
    {
        recorders[op.ordinal()].recordValue(Math.max(1, Math.min(HIGHEST_NS, latencyNs)));
    }

    /**
     * @param op an operation.
     * @return a copy of every latency of that operation recorded so far.
     */
    synchronized Histogram snapshot(final IoOp op)
    {
        final int i = op.ordinal();
        intervals[i] = recorders[i].getIntervalHistogram(intervals[i]);
        totals[i].add(intervals[i]);
        return totals[i].copy();
    }
}
