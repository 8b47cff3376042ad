package dev.pageio.core.spi;

import java.nio.ByteBuffer;

/**
 * What a backend reads and writes of one request: the operation, the file, where, which bytes, the flags and the
 * result. One {@code Request} per slot of a ring, preallocated: no object is allocated per I/O. Its
 * {@link #index} and {@link #generation()} are what travel to the kernel as {@code user_data} / {@code aio_data}.
 * The ring's own bookkeeping (handler, state, barrier links) is not here: a backend sees only this.
 *
 * <p>Threading: the submitting thread fills it before it publishes the request to the ring's submission queue
 * (the queue's offer is the release, the agent's poll the acquire); from then on only the ring agent touches it,
 * until it is freed.
 *
 * <p>The fields describe the work that <em>remains</em>: after a short transfer the agent {@link #advance}s
 * {@link #fileOffset}, {@link #bufferPosition} (or the segments) and {@link #length}. Backends read these fields
 * in {@link RingBackend#prepare}.
 */
public final class Request
{
    /** Index in the ring's slot table: the kernel's user_data. */
    public final int index;
    /** Offsets of the remaining vectored segments, in the buffers of {@link #buffers}. */
    public final int[] segmentPositions;
    /** Lengths of the remaining vectored segments. */
    public final int[] segmentLengths;
    /** Index into {@link #buffers} of each remaining segment. */
    public final int[] segmentBuffers;

    private long generation;

    /** The operation. */
    public RequestOp op;
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
    /** Extra per-request flags for the kernel (e.g. RWF_DSYNC); 0 by default. */
    public int rwFlags;
    /** Result posted by a backend that completes from another thread (the thread engine). */
    public long result;

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
        this.fd = -1;
    }

    /**
     * @return how many times this slot has been used: tells one use from the next (a backend puts its low bits in
     * {@code user_data}). Agent thread.
     */
    public long generation()
    {
        return generation;
    }

    /**
     * Set by the ring when the slot is freed; agent thread.
     *
     * @param generation the slot's new generation.
     */
    public void generation(final long generation)
    {
        this.generation = generation;
    }

    /**
     * Advances past {@code bytes} transferred: offset, buffer position or segments, length.
     *
     * @param bytes bytes the kernel reported, 0 &lt; bytes &le; length.
     */
    public void advance(final long bytes)
    {
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

    /** Drops every reference the request holds, so that a freed slot keeps no buffer or file alive. */
    public void clear()
    {
        op = null;
        file = null;
        fd = -1;
        fileOffset = 0;
        buffer = null;
        bufferPosition = 0;
        buffers = null;
        segmentCount = 0;
        length = 0;
        rwFlags = 0;
        result = 0;
    }

    @Override
    public String toString()
    {
        return "Request{index=" + index + " op=" + op + " fd=" + fd + " offset=" + fileOffset +
            " length=" + length + " generation=" + generation + "}";
    }
}
