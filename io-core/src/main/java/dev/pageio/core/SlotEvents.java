package dev.pageio.core;

import jdk.jfr.Event;

/**
 * One slot's JFR events, allocated with the slot so that recording a request allocates nothing: the event of the
 * slot's current request is begun by the submitting thread ({@link #begin}) and ended and committed by the agent
 * when the request ends. An event object is reused by each request of the slot, one at a time: every field is set
 * before each commit.
 *
 * <p>The cost when pageio's events are disabled (no recording, or a recording that disables them): one
 * {@link Event#isEnabled()} check on the submitting thread (a plain field of JFR's), and a null check of
 * {@link #begun} on the agent. Enabled: the submitter's {@link Event#begin()} (one JFR timestamp) and a read of the
 * ring's {@link EventClock}; at the end, a subtraction and a compare against the type's floor, and only for a request
 * that may pass its threshold {@link Event#end()} (a second timestamp) and {@link Event#shouldCommit()}; the fields
 * are copied only for an event JFR commits.
 *
 * <p>Threading: {@link #begin} by the thread that owns the slot before it publishes it; everything else by the
 * agent. The submission queue's offer and poll order the two.
 */
final class SlotEvents
{
    private final EventClock clock;
    private final JfrEvents.Read read = new JfrEvents.Read();
    private final JfrEvents.Write write = new JfrEvents.Write();
    private final JfrEvents.Sync sync = new JfrEvents.Sync();
    private final JfrEvents.Sync barrierSync = new JfrEvents.Sync();
    private final JfrEvents.Barrier barrier = new JfrEvents.Barrier();
    /** The event of the request in this slot, begun at its submission; null when events were off then. */
    private Event begun;
    /** The {@link EventClock} type of {@link #begun}. */
    private int begunType;
    /** The ring's cycle clock when {@link #begun} began: the request's start, accurate to the agent's cycle. */
    private long stampNs;
    private boolean barrierSyncBegun;
    /** The file's barrier syncs when this barrier arrived at the agent. */
    long barrierSyncsBefore;

    SlotEvents(final EventClock clock)
    {
        this.clock = clock;
    }

    /** Submitting thread: begins the timing of the request's event, if its type is enabled now. */
    void begin(final IoOp op)
    {
        final int type = typeOf(op);
        final Event event = type == EventClock.READ ? read : type == EventClock.WRITE ? write :
            type == EventClock.BARRIER ? barrier : sync;
        if (event.isEnabled())
        {
            event.begin();
            begun = event;
            begunType = type;
            stampNs = clock.cycleNs();
        }
        else
        {
            begun = null;
        }
    }

    /** @return true when the slot's request has a begun event (agent thread). */
    boolean begun()
    {
        return begun != null;
    }

    /**
     * Comparisons, not a {@code switch} on the enum: javac compiles that to a synthetic switch-map class, loaded at
     * the first request, on the submitting thread; a virtual thread that loads a class while another holds the
     * class loader's lock pins its carrier (JFR {@code jdk.VirtualThreadPinned} under
     * {@code SlotEvents.eventOf}, seen by pageio-lucene's VirtualThreadPinningTest on JDK 25).
     */
    private static int typeOf(final IoOp op)
    {
        if (op == IoOp.READ || op == IoOp.READV)
        {
            return EventClock.READ;
        }
        if (op == IoOp.WRITE || op == IoOp.WRITEV)
        {
            return EventClock.WRITE;
        }
        return op == IoOp.BARRIER ? EventClock.BARRIER : EventClock.SYNC;
    }

    /**
     * Agent: ends the request's event and commits it when it passes its threshold.
     *
     * @param op     the request's operation.
     * @param path   the file.
     * @param offset the offset asked for.
     * @param size   the length asked for.
     * @param bytes  the bytes transferred (0 on failure).
     * @param errno  0, or the failure's errno.
     * @param engine the engine's name.
     * @param ring   the ring's name.
     */
    void endRequest(final IoOp op, final String path, final long offset, final long size, final long bytes,
        final int errno, final String engine, final String ring)
    {
        final Event event = begun;
        begun = null;
        if (clock.skips(begunType, stampNs))
        {
            return;
        }
        event.end();
        if (!event.shouldCommit())
        {
            return;
        }
        if (event == sync)
        {
            sync.path = path;
            sync.mode = op == IoOp.FSYNC ? "fsync" : op == IoOp.FDATASYNC ? "fdatasync" : op.name();
            sync.barrier = false;
            sync.coveredSeq = 0;
            sync.writesCovered = 0;
            sync.engine = engine;
            sync.ring = ring;
            sync.errno = errno;
            sync.error = errno == 0 ? null : Errno.name(errno);
            sync.commit();
            return;
        }
        final JfrEvents.Transfer t = (JfrEvents.Transfer)event;
        t.path = path;
        t.offset = offset;
        t.size = size;
        t.bytes = bytes;
        t.vectored = op.vectored();
        t.engine = engine;
        t.ring = ring;
        t.errno = errno;
        t.error = errno == 0 ? null : Errno.name(errno);
        t.commit();
    }

    /** Agent: ends a barrier's event and commits it when it passes its threshold. */
    void endBarrier(final String path, final BarrierMode mode, final long coveredSeq, final int waitersCompleted,
        final long syncs, final int errno, final String engine, final String ring)
    {
        begun = null;
        if (clock.skips(EventClock.BARRIER, stampNs))
        {
            return;
        }
        barrier.end();
        if (!barrier.shouldCommit())
        {
            return;
        }
        barrier.path = path;
        barrier.mode = mode == null ? null : mode.name();
        barrier.coveredSeq = coveredSeq;
        barrier.waitersCompleted = waitersCompleted;
        barrier.syncs = syncs;
        barrier.outcome = errno == 0 ? "SUCCEEDED" : "FAILED";
        barrier.errno = errno;
        barrier.error = errno == 0 ? null : Errno.name(errno);
        barrier.engine = engine;
        barrier.ring = ring;
        barrier.commit();
    }

    /** Agent: the barrier in this slot issues its file's sync now. */
    void beginBarrierSync()
    {
        if (barrierSync.isEnabled())
        {
            barrierSync.begin();
            barrierSyncBegun = true;
        }
    }

    /** Agent: the sync this slot's barrier issued completed. */
    void endBarrierSync(final String path, final boolean full, final long coveredSeq, final long writesCovered,
        final int errno, final String engine, final String ring)
    {
        if (!barrierSyncBegun)
        {
            return;
        }
        barrierSyncBegun = false;
        barrierSync.end();
        if (!barrierSync.shouldCommit())
        {
            return;
        }
        barrierSync.path = path;
        barrierSync.mode = full ? "fsync" : "fdatasync";
        barrierSync.barrier = true;
        barrierSync.coveredSeq = coveredSeq;
        barrierSync.writesCovered = writesCovered;
        barrierSync.engine = engine;
        barrierSync.ring = ring;
        barrierSync.errno = errno;
        barrierSync.error = errno == 0 ? null : Errno.name(errno);
        barrierSync.commit();
    }

    /** Agent: forgets a begun event (a slot given back before its request ran). */
    void clear()
    {
        begun = null;
        barrierSyncBegun = false;
    }
}
