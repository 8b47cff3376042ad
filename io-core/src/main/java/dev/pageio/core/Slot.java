package dev.pageio.core;

import dev.pageio.core.spi.Request;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The ring's bookkeeping for one slot of its table: whose request it is (handler, attachment, token, file), where
 * it is in its life (state, generation), what it asked for (for error reports), and its barrier links. The
 * backend's view of the same request is {@link #request}; the agent maps a reaped {@code request.index} back to
 * {@code slots[index]}. Preallocated: nothing here is allocated per I/O.
 *
 * <p>Threading: a submitting thread owns the slot from acquisition until it publishes it (the queue's offer is
 * the release, the agent's poll the acquire); then the ring agent owns it until it is freed. Only {@link #state}
 * (cancel, through CAS) and {@link #generation()} are read by other threads.
 */
final class Slot
{
    /** Free, in the pool. */
    static final int FREE = 0;
    /** Published to the submission queue, not yet seen by the agent. */
    static final int QUEUED = 1;
    /** Handed to the backend (in the kernel or in a worker). */
    static final int ACTIVE = 2;
    /** Canceled while still queued; the agent completes it with ECANCELED when it drains it. */
    static final int CANCELED = 3;

    private static final VarHandle STATE;
    private static final VarHandle GENERATION;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Slot.class, "state", int.class);
            GENERATION = lookup.findVarHandle(Slot.class, "generation", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the backend reads and writes. */
    final Request request;
    /**
     * This slot's JFR events (reused by each of its requests): null until JDK Flight Recorder is initialized in this
     * JVM ({@link JfrSupport}), then set once by {@link IoRing#enableEvents()}. Volatile: set by another thread while
     * the slot is in use; a request begun before it was set simply has no event.
     */
    volatile SlotEvents events;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    @SuppressWarnings("unused") // accessed through GENERATION
    private volatile long generation;

    /** The completion callback. */
    IoHandler<Object> handler;
    /** The attachment passed to the callback. */
    Object attachment;
    /** The token passed to the callback. */
    long token;
    /** The file this request belongs to. */
    FileState file;
    /** Bytes transferred so far. */
    long transferred;
    /** Offset the request asked for. */
    long requestedOffset;
    /** Length the request asked for. */
    long requestedLength;
    /** Sequence number of a write in its file (for barriers); 0 for other operations. */
    long writeSeq;
    /** A barrier's coverage: the last write sequence number it covers. */
    long barrierSeq;
    /** A barrier's mode. */
    BarrierMode barrierMode;
    /** True while this barrier's slot carries the sync for its file. */
    boolean carriesSync;
    /**
     * True for a sync a user asked for ({@code IoFile.fsync/fdatasync}, {@code IoRequest.fsync/fdatasync}): a
     * barrier that succeeds only through a sync issued after it arrived (POSIX aio_fsync), completing with 0.
     */
    boolean forcedSync;
    /** A forced sync's view of the file's sync count when it arrived: a later sync's number is larger. */
    long syncsAtArrival;
    /** Next barrier waiting on the same file (the tracker's list; no allocation). */
    Slot nextWaiter;
    /** {@link System#nanoTime()} of the submitting call, when the ring records latencies; else 0. */
    long startNs;

    Slot(final int index, final int maxSegments)
    {
        this.request = new Request(index, maxSegments);
    }

    int index()
    {
        return request.index;
    }

    /** @return the state: FREE, QUEUED, ACTIVE or CANCELED. */
    int state()
    {
        return (int)STATE.getVolatile(this);
    }

    boolean casState(final int expected, final int next)
    {
        return STATE.compareAndSet(this, expected, next);
    }

    /** @param next the state to set, with release semantics. */
    void setState(final int next)
    {
        STATE.setRelease(this, next);
    }

    /** @return how many times this slot has been used: tells one use from the next. */
    long generation()
    {
        return (long)GENERATION.getVolatile(this);
    }

    /** Bumps the generation (agent thread, when the slot is freed); the backend's copy follows. */
    void nextGeneration()
    {
        final long next = (long)GENERATION.getVolatile(this) + 1;
        GENERATION.setRelease(this, next);
        request.generation(next);
    }

    /** Advances past {@code bytes} transferred (a short transfer): the request's remaining work, and the count. */
    void advance(final long bytes)
    {
        transferred += bytes;
        request.advance(bytes);
    }

    /** Drops every reference the slot holds, so that a freed slot keeps no buffer or handler alive. */
    void clear()
    {
        request.clear();
        handler = null;
        attachment = null;
        file = null;
        transferred = 0;
        requestedOffset = 0;
        requestedLength = 0;
        writeSeq = 0;
        barrierSeq = 0;
        barrierMode = null;
        carriesSync = false;
        forcedSync = false;
        syncsAtArrival = 0;
        nextWaiter = null;
        startNs = 0;
        final SlotEvents e = events;
        if (e != null)
        {
            e.clear();
        }
    }

    @Override
    public String toString()
    {
        return "Slot{index=" + request.index + " op=" + request.op + " fd=" + request.fd + " offset=" +
            request.fileOffset + " length=" + request.length + " state=" + state() + "}";
    }
}
