package dev.pageio.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The ring's counters, one {@code long} each in one padded array: written by the ring agent only (so no
 * contention, no atomic instruction), read by any thread through {@link #get} for a {@link RingStats} snapshot.
 * The agent's writes are opaque (a plain store on x86-64 and arm64) so a reader never sees a torn value; a snapshot
 * is not atomic across counters (each counter is exact, two counters may be a few requests apart while requests
 * move).
 *
 * <p>The exceptions are {@link #QUEUE_FULL_WAITS}, {@link #QUEUE_FULL_REJECTIONS} and {@link #QUEUE_FULL_WAIT_NS}:
 * they are counted by the submitting thread that found the ring full, on that slow path only (it is about to park),
 * with an atomic add.
 *
 * <p>Layout: {@link #PAD} unused longs at each end keep the array's counters on cache lines of their own (128 bytes,
 * for the adjacent-line prefetcher), away from the array header and from whatever object the allocator put next.
 */
final class RingCounters
{
    private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int OPS = IoOp.values().length;
    private static final int PAD = 16;

    /** Requests taken from the submission queue by the agent, by {@link IoOp} ordinal. */
    static final int SUBMITTED = 0;
    /** Requests that ended successfully, by {@link IoOp} ordinal. */
    static final int COMPLETED = SUBMITTED + OPS;
    /** Requests that ended with a failure (canceled included), by {@link IoOp} ordinal. */
    static final int FAILED = COMPLETED + OPS;
    /** Bytes read by successful reads. */
    static final int BYTES_READ = FAILED + OPS;
    /** Bytes written by successful writes. */
    static final int BYTES_WRITTEN = BYTES_READ + 1;
    /** Non-empty batches handed to the backend ({@code RingBackend.submit()} calls with something prepared). */
    static final int BATCHES = BYTES_WRITTEN + 1;
    /** Requests handed to the backend in those batches (resubmissions of short transfers included). */
    static final int BATCHED_REQUESTS = BATCHES + 1;
    /** Times the agent blocked in the kernel ({@code RingBackend.await}) after idling. */
    static final int AGENT_SLEEPS = BATCHED_REQUESTS + 1;
    /** Sleeps ended early by a submitter's wakeup (one wakeup system call each). */
    static final int WAKEUPS = AGENT_SLEEPS + 1;
    /** Syncs issued for barriers. */
    static final int SYNCS_ISSUED = WAKEUPS + 1;
    /** Submitters that found no free slot and waited (submitting thread, atomic). */
    static final int QUEUE_FULL_WAITS = SYNCS_ISSUED + 1;
    /** Submitters refused with {@link QueueFullException} (submitting thread, atomic). */
    static final int QUEUE_FULL_REJECTIONS = QUEUE_FULL_WAITS + 1;
    /** Nanoseconds submitters spent waiting for a free slot (submitting thread, atomic). */
    static final int QUEUE_FULL_WAIT_NS = QUEUE_FULL_REJECTIONS + 1;
    /** Number of counters. */
    static final int COUNT = QUEUE_FULL_WAIT_NS + 1;

    private final long[] values = new long[PAD + COUNT + PAD];

    /** Agent thread: adds one. */
    void increment(final int counter)
    {
        final int i = PAD + counter;
        // opaque: a reader on another thread sees whole values; no ordering is needed or paid for
        VALUES.setOpaque(values, i, (long)VALUES.getOpaque(values, i) + 1);
    }

    /** Agent thread: adds {@code delta}. */
    void add(final int counter, final long delta)
    {
        final int i = PAD + counter;
        VALUES.setOpaque(values, i, (long)VALUES.getOpaque(values, i) + delta);
    }

    /** Any thread, slow paths only: adds {@code delta} atomically (the queue-full counters). */
    void addAtomic(final int counter, final long delta)
    {
        VALUES.getAndAdd(values, PAD + counter, delta);
    }

    /** Any thread. @return the counter's value now. */
    long get(final int counter)
    {
        return (long)VALUES.getOpaque(values, PAD + counter);
    }
}
