package dev.pageio.direct;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import static dev.pageio.direct.LogFrameDescriptor.CRC_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.FRAME_HEADER_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.INT;
import static dev.pageio.direct.LogFrameDescriptor.LSN_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.PAD_FLAG;

/**
 * The buffer room of a {@link LogFile}: claims space with one CAS on the tail (the claimed position is the record's
 * LSN), copies the record into the log buffer, computes its CRC32C and publishes it by writing its length last
 * (release; the flusher's scan reads it with acquire). A frame never crosses a segment end nor a multiple of the
 * buffer size: the appender that would cross one pads up to it first. No lock, no allocation in the steady state.
 *
 * <p>Threading: any thread.
 */
final class LogAppender
{
    private final LogState state;
    private final LogFlusher flusher;
    private final LogCommitters committers;
    private final AtomicLong tail;
    private final ByteBuffer buffer;
    private final int bufferBytes;
    private final int bufferMask;
    private final long dataBytes;
    private final int maxRecordBytes;
    private final ThreadLocal<Scratch> scratch;

    /** Per appender thread: its CRC and its view of the buffer. */
    private static final class Scratch
    {
        final CRC32C crc = new CRC32C();
        final ByteBuffer view;

        Scratch(final ByteBuffer buffer)
        {
            view = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    LogAppender(final LogState state, final LogFlusher flusher, final LogCommitters committers)
    {
        this.state = state;
        this.flusher = flusher;
        this.committers = committers;
        this.tail = state.tail;
        this.buffer = state.buffer;
        this.bufferBytes = state.bufferBytes;
        this.bufferMask = state.bufferMask;
        this.dataBytes = state.dataBytes;
        this.maxRecordBytes = state.maxRecordBytes;
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(buffer));
    }

    /**
     * @param src  the record, from its position to its limit (left unchanged).
     * @param wait wait up to the append timeout for space; false: refuse at once.
     * @return the record's LSN, or {@link LogFile#BACK_PRESSURED} when {@code !wait} and the buffer is full.
     */
    long append(final ByteBuffer src, final boolean wait)
    {
        final int length = src.remaining();
        if (length > maxRecordBytes)
        {
            throw new IllegalArgumentException("record too large: length=" + length + " limit=" + maxRecordBytes +
                " (records are refused, not split; limit = min(bufferBytes/2, segmentBytes-4096) - 16)");
        }
        final int frameLength = FRAME_HEADER_BYTES + length;
        final int claim = LogFrameDescriptor.align(frameLength);
        long deadlineNs = 0;
        int idle = 0;
        while (true)
        {
            final long t = tail.get();
            if (t < 0)
            {
                throw new LogClosedException("log closed: append refused: length=" + length);
            }
            final Throwable f = state.failure;
            if (f != null)
            {
                throw new LogFailedException("log failed: append refused: length=" + length + " cause=" + f, f);
            }
            final long limit = boundary(t);
            final boolean pad = t + claim > limit;
            final long next = pad ? limit : t + claim;
            if (next - state.freeLsn > bufferBytes)
            {
                state.spaceWanted = true;
                flusher.kick();
                if (!wait)
                {
                    return LogFile.BACK_PRESSURED;
                }
                final long now = System.nanoTime();
                if (deadlineNs == 0)
                {
                    deadlineNs = now + state.config.appendTimeoutNs();
                }
                else if (now - deadlineNs >= 0)
                {
                    throw new LogFullException("log buffer full: length=" + length + " bufferBytes=" + bufferBytes +
                        " timeoutNs=" + state.config.appendTimeoutNs() + " durableLsn=" + state.durableLsn +
                        " tail=" + t);
                }
                idle = backOff(idle);
                continue;
            }
            if (!tail.compareAndSet(t, next))
            {
                continue;
            }
            if (pad)
            {
                writePad(t, limit);
                continue;
            }
            writeFrame(t, src, length, frameLength);
            if (committers.anyWaiting() || state.spaceWanted)
            {
                // A committer may be waiting for this record (or one after it) to be published.
                flusher.kick();
            }
            return t;
        }
    }

    private static int backOff(final int idle)
    {
        if (idle < 10)
        {
            Thread.onSpinWait();
        }
        else if (idle < 20)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(Math.min(1_000_000L, 1_000L << Math.min(10, idle - 20)));
        }
        return idle + 1;
    }

    /** @return the first boundary a frame starting at {@code lsn} must not cross: segment end or buffer wrap. */
    private long boundary(final long lsn)
    {
        final long segmentEnd = (lsn / dataBytes + 1) * dataBytes;
        final long bufferEnd = (lsn & ~(long)bufferMask) + bufferBytes;
        return Math.min(segmentEnd, bufferEnd);
    }

    private void writeFrame(final long lsn, final ByteBuffer src, final int length, final int frameLength)
    {
        final Scratch s = scratch.get();
        final ByteBuffer view = s.view;
        final int at = (int)(lsn & bufferMask);
        view.put(at + FRAME_HEADER_BYTES, src, src.position(), length);
        view.putLong(at + LSN_OFFSET, lsn);
        final int crc = LogFrameDescriptor.frameCrc(view, s.crc, at, frameLength, state.generation(lsn / dataBytes));
        view.putInt(at + CRC_OFFSET, crc);
        // release: the frame's bytes are visible before its length, which the flusher reads with acquire.
        INT.setRelease(buffer, at, frameLength);
    }

    private void writePad(final long lsn, final long limit)
    {
        final Scratch s = scratch.get();
        writePad(state, s.view, s.crc, lsn, limit);
    }

    /**
     * Writes a padding frame over {@code [lsn, limit)} of the log buffer and publishes it (release), in space the
     * caller claimed: an appender that would cross a boundary, or the flusher padding a tail block.
     *
     * @param view a duplicate of the buffer the calling thread owns.
     * @param crc  a CRC the calling thread owns.
     */
    static void writePad(final LogState state, final ByteBuffer view, final CRC32C crc, final long lsn,
        final long limit)
    {
        final int at = (int)(lsn & state.bufferMask);
        view.putLong(at + LSN_OFFSET, lsn);
        final int frameCrc = LogFrameDescriptor.frameCrc(view, crc, at, FRAME_HEADER_BYTES,
            state.generation(lsn / state.dataBytes));
        view.putInt(at + CRC_OFFSET, frameCrc);
        // release: as for a frame.
        INT.setRelease(state.buffer, at, PAD_FLAG | (int)(limit - lsn));
    }
}
