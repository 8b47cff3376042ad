package dev.pageio.core.spi;

import dev.pageio.core.IoHandler;
import dev.pageio.core.IoOp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One preallocated request slot of a ring. Its {@link #index} is what travels to the kernel as
 * {@code user_data} / {@code aio_data}. No slot is allocated per I/O.
 *
 * <p>Threading: a submitting thread owns the slot from acquisition until it publishes it to the submission
 * queue (the queue's offer is the release, the agent's poll the acquire); from then on the ring agent owns
 * it until it is freed. Only {@link #state} is touched by other threads (cancel), through CAS.
 *
 * <p>The fields describe the work that <em>remains</em>: after a short transfer the agent advances
 * {@link #fileOffset}, {@link #bufferPosition} (or the segments) and {@link #length}, and adds to
 * {@link #transferred}; the original offset and length stay in {@link #requestedOffset} and
 * {@link #requestedLength} for error reports. Backends read these fields in {@link RingBackend#prepare}.
 */
public final class Request
{
    /** Free, in the pool. */
    public static final int FREE = 0;
    /** Published to the submission queue, not yet seen by the agent. */
    public static final int QUEUED = 1;
    /** Handed to the backend (in the kernel or in a worker). */
    public static final int ACTIVE = 2;
    /** Canceled while still queued; the agent completes it with ECANCELED when it drains it. */
    public static final int CANCELED = 3;

    private static final VarHandle STATE;
    private static final VarHandle GENERATION;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Request.class, "state", int.class);
            GENERATION = lookup.findVarHandle(Request.class, "generation", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Index in the ring's slot table: the kernel's user_data. */
    public final int index;
    /** Offsets of the remaining vectored segments, in the buffers of {@link #buffers}. */
    public final int[] segmentPositions;
    /** Lengths of the remaining vectored segments. */
    public final int[] segmentLengths;
    /** Index into {@link #buffers} of each remaining segment. */
    public final int[] segmentBuffers;

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;
    @SuppressWarnings("unused") // accessed through GENERATION
    private volatile long generation;

    /** The operation. */
    public IoOp op;
    /** The file. */
    public FileAccess file;
    /** The file's descriptor ({@code file.fd()}), -1 where the file has none. */
    public int fd;
    /** Offset in the file of the remaining work. */
    public long fileOffset;
    /** The buffer of READ/WRITE. Held so that it stays reachable while the kernel uses it. */
    public ByteBuffer buffer;
    /** Position in {@link #buffer} of the remaining work. */
    public int bufferPosition;
    /** Bytes still to transfer (all segments together for the vectored forms). */
    public long length;
    /** The caller's buffers of READV/WRITEV. */
    public ByteBuffer[] buffers;
    /** Number of remaining segments. */
    public int segmentCount;
    /** Bytes transferred so far. */
    public long transferred;
    /** Offset the request asked for. */
    public long requestedOffset;
    /** Length the request asked for. */
    public long requestedLength;
    /** Extra per-request flags for the kernel (e.g. RWF_DSYNC); 0 by default. */
    public int rwFlags;
    /** Result posted by a backend that completes from another thread (the thread engine). */
    public long result;

    /** The completion callback. */
    public IoHandler<Object> handler;
    /** The attachment passed to the callback. */
    public Object attachment;
    /** The token passed to the callback. */
    public long token;
    /** Ring-internal bookkeeping of the file this request belongs to; opaque to backends. */
    public Object owner;
    /** Sequence number of a write in its file (for barriers); 0 for other operations. */
    public long writeSeq;
    /** A barrier's coverage: the last write sequence number it covers. Ring-internal. */
    public long barrierSeq;
    /** A barrier's mode (ring-internal), and whether this slot now carries the barrier's sync. */
    public int barrierMode;
    /** True while this barrier's slot carries the sync for its file (ring-internal). */
    public boolean carriesSync;
    /** Next barrier waiting on the same file (ring-internal list; no allocation). */
    public Request nextWaiter;

    /**
     * @param index       slot index.
     * @param maxSegments the most segments a vectored request may have.
     */
    public Request(final int index, final int maxSegments)
    {
        this.index = index;
        this.segmentPositions = new int[maxSegments];
        this.segmentLengths = new int[maxSegments];
        this.segmentBuffers = new int[maxSegments];
    }

    /** @return the state: FREE, QUEUED, ACTIVE or CANCELED. */
    public int state()
    {
        return (int)STATE.getVolatile(this);
    }

    /**
     * @param expected the state expected.
     * @param next     the state to set.
     * @return true when the state was {@code expected} and is now {@code next}.
     */
    public boolean casState(final int expected, final int next)
    {
        return STATE.compareAndSet(this, expected, next);
    }

    /** @param next the state to set, with release semantics. */
    public void setState(final int next)
    {
        STATE.setRelease(this, next);
    }

    /** @return how many times this slot has been used: tells one use from the next. */
    public long generation()
    {
        return (long)GENERATION.getVolatile(this);
    }

    /** Bumps the generation; called by the ring when the slot is freed. */
    public void nextGeneration()
    {
        GENERATION.setRelease(this, (long)GENERATION.getVolatile(this) + 1);
    }

    /**
     * Advances past {@code bytes} transferred: offset, buffer position or segments, length.
     *
     * @param bytes bytes the kernel reported, 0 &lt; bytes &le; length.
     */
    public void advance(final long bytes)
    {
        transferred += bytes;
        fileOffset += bytes;
        length -= bytes;
        if (op.vectored())
        {
            long left = bytes;
            int first = 0;
            while (first < segmentCount && left >= segmentLengths[first])
            {
                left -= segmentLengths[first];
                first++;
            }
            if (first > 0)
            {
                final int remaining = segmentCount - first;
                System.arraycopy(segmentPositions, first, segmentPositions, 0, remaining);
                System.arraycopy(segmentLengths, first, segmentLengths, 0, remaining);
                System.arraycopy(segmentBuffers, first, segmentBuffers, 0, remaining);
                segmentCount = remaining;
            }
            if (segmentCount > 0 && left > 0)
            {
                segmentPositions[0] += (int)left;
                segmentLengths[0] -= (int)left;
            }
        }
        else
        {
            bufferPosition += (int)bytes;
        }
    }

    /** Drops every reference the slot holds, so that a freed slot keeps no buffer or handler alive. */
    public void clear()
    {
        op = null;
        file = null;
        fd = -1;
        buffer = null;
        buffers = null;
        segmentCount = 0;
        handler = null;
        attachment = null;
        owner = null;
        transferred = 0;
        length = 0;
        rwFlags = 0;
        result = 0;
        writeSeq = 0;
        barrierSeq = 0;
        barrierMode = 0;
        carriesSync = false;
        nextWaiter = null;
    }

    @Override
    public String toString()
    {
        return "Request{index=" + index + " op=" + op + " fd=" + fd + " offset=" + fileOffset +
            " length=" + length + " state=" + state() + "}";
    }
}
