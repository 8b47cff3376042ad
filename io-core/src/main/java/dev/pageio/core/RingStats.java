package dev.pageio.core;

import java.util.Arrays;

/**
 * An immutable snapshot of one ring's counters, from {@link IoRing#stats()}: what the ring was asked to do, what
 * it cost in system calls and batches, and how the barriers grouped their syncs. Every count is since the ring
 * opened; {@link #minus(RingStats)} gives the counts of an interval (e.g. a benchmark's measured part).
 *
 * <p>The counters are written by the ring's agent alone (no contention on the hot path) and read here without
 * stopping it: each value is exact, but two values of one snapshot may be a few requests apart while requests move.
 * Take a snapshot once the ring is quiet for exact cross-checks (a test, the end of a benchmark).
 *
 * <p>What is counted:
 * <ul>
 *   <li>{@link #submitted(IoOp)}: requests the agent took from the submission queue (a barrier is a
 *   {@link IoOp#BARRIER}; the sync it issues is counted in {@link #syncsIssued()}, not as an FSYNC).</li>
 *   <li>{@link #completed(IoOp)} / {@link #failed(IoOp)}: requests that ended, successfully or with a failure
 *   (canceled ones included); {@link #inFlight()} is submitted minus ended.</li>
 *   <li>{@link #submitCalls()}: system calls that handed requests to the kernel ({@code io_uring_enter} with
 *   {@code to_submit > 0} or an SQPOLL wakeup, {@code io_submit}). {@link #waitCalls()}: the backend's other
 *   system calls, which wait for or collect completions ({@code io_uring_enter(GETEVENTS)} that submits nothing,
 *   {@code io_getevents}, the wake eventfd's reads); both from the backend's own counters
 *   ({@code RingBackend.submitCalls()}, {@code systemCalls()}). {@link #wakeups()}: a submitter woke the sleeping
 *   agent (one eventfd write or unpark each, made by the submitter). The thread engine counts none of the first two
 *   kinds (0 here): its workers make one {@code pread}/{@code pwrite} per request instead.</li>
 *   <li>{@link #batches()} / {@link #batchedRequests()}: non-empty batches handed to the engine and the requests
 *   in them ({@link #meanBatchSize()}); a short transfer's resubmission is a request of a batch too.</li>
 *   <li>{@link #queueFullWaits()}: submitters that found every slot taken and waited; {@link #queueFullRejections()}:
 *   those refused with {@link QueueFullException}; {@link #queueFullWaitNs()}: the time they waited.</li>
 *   <li>{@link #agentSleeps()}: times the idle agent blocked in the kernel.</li>
 *   <li>{@link #syncsIssued()}: fsync/fdatasync issued for barriers; {@link #barriersCompleted()}: barriers that
 *   ended; {@link #commitsPerSync()}: their ratio, the group-commit factor.</li>
 * </ul>
 */
public final class RingStats
{
    private static final IoOp[] OPS = IoOp.values();

    private final String ringName;
    private final String engine;
    private final long[] values;
    private final long submitCalls;
    private final long waitCalls;
    private final long inFlight;

    private RingStats(final String ringName, final String engine, final long[] values, final long submitCalls,
        final long waitCalls, final long inFlight)
    {
        this.ringName = ringName;
        this.engine = engine;
        this.values = values;
        this.submitCalls = submitCalls;
        this.waitCalls = waitCalls;
        this.inFlight = inFlight;
    }

    /** Reads every counter now. */
    static RingStats of(final String ringName, final String engine, final RingCounters counters,
        final long submitCalls, final long waitCalls)
    {
        final long[] values = new long[RingCounters.COUNT];
        // backwards: the ended counters are read before the submitted ones, so inFlight never goes negative
        for (int i = values.length - 1; i >= 0; i--)
        {
            values[i] = counters.get(i);
        }
        long ended = 0;
        for (int i = 0; i < OPS.length; i++)
        {
            ended += values[RingCounters.COMPLETED + i] + values[RingCounters.FAILED + i];
        }
        long submitted = 0;
        for (int i = 0; i < OPS.length; i++)
        {
            submitted += values[RingCounters.SUBMITTED + i];
        }
        return new RingStats(ringName, engine, values, submitCalls, waitCalls, Math.max(0, submitted - ended));
    }

    /**
     * The counts of the interval between an earlier snapshot of the same ring and this one. {@link #inFlight()} of
     * the result is this snapshot's.
     *
     * @param earlier a snapshot taken before this one, of the same ring.
     * @return this minus {@code earlier}, counter by counter.
     * @throws IllegalArgumentException when {@code earlier} is of another ring.
     */
    public RingStats minus(final RingStats earlier)
    {
        if (!ringName.equals(earlier.ringName) || !engine.equals(earlier.engine))
        {
            throw new IllegalArgumentException("snapshots of different rings: ring=" + ringName + " other=" +
                earlier.ringName);
        }
        final long[] d = new long[values.length];
        for (int i = 0; i < d.length; i++)
        {
            d[i] = values[i] - earlier.values[i];
        }
        return new RingStats(ringName, engine, d, submitCalls - earlier.submitCalls, waitCalls - earlier.waitCalls,
            inFlight);
    }

    /** @return the ring's name ({@link RingConfig#name()}). */
    public String ringName()
    {
        return ringName;
    }

    /** @return the engine's name. */
    public String engine()
    {
        return engine;
    }

    /**
     * @param op an operation.
     * @return requests of that operation the agent took from the submission queue.
     */
    public long submitted(final IoOp op)
    {
        return values[RingCounters.SUBMITTED + op.ordinal()];
    }

    /**
     * @param op an operation.
     * @return requests of that operation that ended successfully.
     */
    public long completed(final IoOp op)
    {
        return values[RingCounters.COMPLETED + op.ordinal()];
    }

    /**
     * @param op an operation.
     * @return requests of that operation that ended with a failure (canceled included).
     */
    public long failed(final IoOp op)
    {
        return values[RingCounters.FAILED + op.ordinal()];
    }

    /** @return requests of every operation taken from the submission queue. */
    public long submitted()
    {
        return sum(RingCounters.SUBMITTED);
    }

    /** @return requests of every operation that ended successfully. */
    public long completed()
    {
        return sum(RingCounters.COMPLETED);
    }

    /** @return requests of every operation that ended with a failure. */
    public long failed()
    {
        return sum(RingCounters.FAILED);
    }

    /** @return reads, writes, syncs and no-ops that ended (successfully or not): the I/Os, barriers excluded. */
    public long ios()
    {
        long n = 0;
        for (final IoOp op : OPS)
        {
            if (op != IoOp.BARRIER)
            {
                n += completed(op) + failed(op);
            }
        }
        return n;
    }

    /** @return requests taken and not yet ended: queued in the engine, in the kernel, or waiting for a sync. */
    public long inFlight()
    {
        return inFlight;
    }

    /** @return bytes moved by successful reads. */
    public long bytesRead()
    {
        return values[RingCounters.BYTES_READ];
    }

    /** @return bytes moved by successful writes. */
    public long bytesWritten()
    {
        return values[RingCounters.BYTES_WRITTEN];
    }

    /** @return system calls that handed requests to the kernel (io_uring_enter to submit, io_submit). */
    public long submitCalls()
    {
        return submitCalls;
    }

    /** @return the backend's other system calls: waits for and reaps of completions, wake eventfd reads. */
    public long waitCalls()
    {
        return waitCalls;
    }

    /** @return wakeups of the sleeping agent by submitters (one system call each: an eventfd write, an unpark). */
    public long wakeups()
    {
        return values[RingCounters.WAKEUPS];
    }

    /** @return {@link #submitCalls()} + {@link #waitCalls()} + {@link #wakeups()}. */
    public long systemCalls()
    {
        return submitCalls + waitCalls + wakeups();
    }

    /** @return {@link #systemCalls()} per I/O ({@link #ios()}), 0 when there was none. */
    public double systemCallsPerIo()
    {
        final long ios = ios();
        return ios == 0 ? 0 : (double)systemCalls() / ios;
    }

    /** @return non-empty batches handed to the engine (one {@code RingBackend.submit()} each). */
    public long batches()
    {
        return values[RingCounters.BATCHES];
    }

    /** @return requests handed to the engine in those batches. */
    public long batchedRequests()
    {
        return values[RingCounters.BATCHED_REQUESTS];
    }

    /** @return {@link #batchedRequests()} / {@link #batches()}, 0 when there was none. */
    public double meanBatchSize()
    {
        final long batches = batches();
        return batches == 0 ? 0 : (double)batchedRequests() / batches;
    }

    /** @return submitters that found every slot taken and waited for one. */
    public long queueFullWaits()
    {
        return values[RingCounters.QUEUE_FULL_WAITS];
    }

    /** @return submitters refused with {@link QueueFullException} (no wait allowed, or the wait timed out). */
    public long queueFullRejections()
    {
        return values[RingCounters.QUEUE_FULL_REJECTIONS];
    }

    /** @return nanoseconds submitters spent waiting for a free slot. */
    public long queueFullWaitNs()
    {
        return values[RingCounters.QUEUE_FULL_WAIT_NS];
    }

    /** @return times the idle agent blocked in the kernel. */
    public long agentSleeps()
    {
        return values[RingCounters.AGENT_SLEEPS];
    }

    /** @return fsync/fdatasync issued for barriers. */
    public long syncsIssued()
    {
        return values[RingCounters.SYNCS_ISSUED];
    }

    /** @return barriers that ended, successfully or not. */
    public long barriersCompleted()
    {
        return completed(IoOp.BARRIER) + failed(IoOp.BARRIER);
    }

    /** @return {@link #barriersCompleted()} / {@link #syncsIssued()} (group commit), 0 when no sync was issued. */
    public double commitsPerSync()
    {
        final long syncs = syncsIssued();
        return syncs == 0 ? 0 : (double)barriersCompleted() / syncs;
    }

    private long sum(final int base)
    {
        long n = 0;
        for (int i = 0; i < OPS.length; i++)
        {
            n += values[base + i];
        }
        return n;
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof RingStats && ((RingStats)o).ringName.equals(ringName) &&
            ((RingStats)o).engine.equals(engine) && Arrays.equals(((RingStats)o).values, values) &&
            ((RingStats)o).submitCalls == submitCalls && ((RingStats)o).waitCalls == waitCalls;
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(values) * 31 + ringName.hashCode();
    }

    /** @return the counters as {@code key=value} text, operations with no request left out. */
    @Override
    public String toString()
    {
        final StringBuilder b = new StringBuilder("RingStats{ring=").append(ringName).append(" engine=").append(engine);
        for (final IoOp op : OPS)
        {
            if (submitted(op) + completed(op) + failed(op) != 0)
            {
                b.append(' ').append(op.name().toLowerCase()).append('=').append(submitted(op)).append('/')
                    .append(completed(op)).append('/').append(failed(op));
            }
        }
        return b.append(" inFlight=").append(inFlight())
            .append(" bytesRead=").append(bytesRead())
            .append(" bytesWritten=").append(bytesWritten())
            .append(" submitCalls=").append(submitCalls)
            .append(" waitCalls=").append(waitCalls)
            .append(" wakeups=").append(wakeups())
            .append(" batches=").append(batches())
            .append(" meanBatchSize=").append(String.format("%.2f", meanBatchSize()))
            .append(" queueFullWaits=").append(queueFullWaits())
            .append(" queueFullRejections=").append(queueFullRejections())
            .append(" agentSleeps=").append(agentSleeps())
            .append(" syncsIssued=").append(syncsIssued())
            .append(" barriersCompleted=").append(barriersCompleted())
            .append('}').toString();
    }
}
