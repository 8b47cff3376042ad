package dev.pageio.direct;

import dev.pageio.core.IoFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import static dev.pageio.direct.LogFrameDescriptor.CRC_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.FRAME_ALIGNMENT;
import static dev.pageio.direct.LogFrameDescriptor.FRAME_HEADER_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.LSN_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.PAD_FLAG;

/**
 * Iterates the records of a {@link LogFile} from an LSN, in order, and stops at the first frame that is not
 * valid: zero (nothing was written there), torn or corrupt (CRC), misplaced (its LSN is not its position), from
 * another generation of a reused segment (CRC, salted with the generation), or in a segment that is missing or
 * whose header is not valid. {@link #endLsn()} then says where the valid log ends and {@link #endReason()} why.
 * Nothing after the end is ever returned, even if valid frames lie beyond it.
 *
 * <p>Reads go through the log's ring, a whole segment at a time, into one buffer of the segment's size.
 * Threading: one thread; blocking.
 */
public final class LogReader implements AutoCloseable
{
    private static final int READ_CHUNK_BYTES = 1 << 20;

    private final LogStorage storage;
    private final long segmentBytes;
    private final long dataBytes;
    private final long limitLsn;
    private final LogBreakage breakage;
    private final ByteBuffer segment;
    private final ByteBuffer view;
    private final CRC32C crc = new CRC32C();
    private long loadedSegment = -1;
    private int generation;
    private long position;
    private long recordLsn = -1;
    private int recordLength;
    private String endReason;
    private boolean ended;

    LogReader(final LogStorage storage, final long segmentBytes, final long fromLsn, final long limitLsn,
        final LogBreakage breakage)
    {
        this.storage = storage;
        this.segmentBytes = segmentBytes;
        this.dataBytes = segmentBytes - HEADER_BLOCK_BYTES;
        this.limitLsn = limitLsn;
        this.breakage = breakage;
        if (segmentBytes > Integer.MAX_VALUE - 4096)
        {
            throw new IllegalArgumentException("segment too large to read at once: segmentBytes=" + segmentBytes);
        }
        this.segment = ByteBuffer.allocateDirect((int)segmentBytes + 4096).alignedSlice(4096)
            .order(ByteOrder.LITTLE_ENDIAN);
        this.view = segment.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.position = fromLsn;
    }

    /**
     * Moves to the next record.
     *
     * @return true when there is one ({@link #lsn()}, {@link #record()}); false at the end of the valid log.
     * @throws IOException when a segment cannot be read (not when it holds garbage: that is the end).
     */
    public boolean next() throws IOException
    {
        if (ended)
        {
            return false;
        }
        while (true)
        {
            if (position >= limitLsn)
            {
                return end("limit");
            }
            final long k = position / dataBytes;
            if (k != loadedSegment && !load(k))
            {
                return false;
            }
            final int at = (int)(position - k * dataBytes) + HEADER_BLOCK_BYTES;
            if (at >= segmentBytes)
            {
                continue; // load of k+1 on the next turn (position is at the segment's end = next one's start)
            }
            final String invalid = check(at);
            if (invalid == null)
            {
                final int length = segment.getInt(at);
                if ((length & PAD_FLAG) != 0)
                {
                    position += length & ~PAD_FLAG;
                    continue;
                }
                recordLsn = position;
                recordLength = length - FRAME_HEADER_BYTES;
                position += LogFrameDescriptor.align(length);
                return true;
            }
            if (breakage == LogBreakage.READER_SKIPS_INVALID && hasValidFrameAhead(at))
            {
                position += FRAME_ALIGNMENT;
                continue;
            }
            return end(invalid);
        }
    }

    private boolean hasValidFrameAhead(final int from)
    {
        for (int at = from + FRAME_ALIGNMENT; at + FRAME_HEADER_BYTES <= segmentBytes; at += FRAME_ALIGNMENT)
        {
            if (segment.getInt(at) != 0)
            {
                return true;
            }
        }
        return false;
    }

    /** @return null when the frame at buffer position {@code at} is valid, else why not. */
    private String check(final int at)
    {
        final int length = segment.getInt(at);
        final long lsn = position;
        final int room = (int)(segmentBytes - at);
        if (length == 0)
        {
            return "zero";
        }
        final boolean pad = (length & PAD_FLAG) != 0;
        final int frameBytes = pad ? length & ~PAD_FLAG : LogFrameDescriptor.align(length);
        if ((pad ? frameBytes < FRAME_HEADER_BYTES || frameBytes % FRAME_ALIGNMENT != 0 : length < FRAME_HEADER_BYTES) ||
            frameBytes > room)
        {
            return "length: length=" + (pad ? "pad " + frameBytes : length) + " room=" + room;
        }
        if (segment.getLong(at + LSN_OFFSET) != lsn)
        {
            return "lsn: found=" + segment.getLong(at + LSN_OFFSET);
        }
        if (breakage == LogBreakage.READER_NO_CRC)
        {
            return null;
        }
        final int stored = segment.getInt(at + CRC_OFFSET);
        final int computed = LogFrameDescriptor.frameCrc(view, crc, at, pad ? FRAME_HEADER_BYTES : length, generation);
        segment.putInt(at + CRC_OFFSET, stored);
        if (stored != computed)
        {
            return "crc (torn, or another generation): stored=" + Integer.toHexString(stored) + " computed=" +
                Integer.toHexString(computed) + " generation=" + generation;
        }
        return null;
    }

    private boolean load(final long k) throws IOException
    {
        if (loadedSegment >= 0 && k != loadedSegment + 1 && position % dataBytes != 0)
        {
            return end("segment jump");
        }
        final String name = LogFrameDescriptor.segmentName(k);
        if (!storage.names().contains(name))
        {
            return end("segment missing: segment=" + name);
        }
        final IoFile file = storage.open(name);
        try
        {
            segment.clear();
            long offset = 0;
            while (offset < segmentBytes)
            {
                final int n = (int)Math.min(READ_CHUNK_BYTES, segmentBytes - offset);
                final ByteBuffer chunk = segment.duplicate();
                chunk.limit((int)offset + n).position((int)offset);
                final long at = offset;
                final long read = LogIo.await(() -> file.read(at, chunk), "read segment: segment=" + name);
                if (read < n)
                {
                    // End of file (a file shorter than preallocated reads as zeros).
                    for (long i = offset + Math.max(0, read); i < segmentBytes; i++)
                    {
                        segment.put((int)i, (byte)0);
                    }
                    break;
                }
                offset += n;
            }
        }
        finally
        {
            file.close();
        }
        final Integer g = LogFrameDescriptor.segmentGeneration(segment, k, segmentBytes);
        if (g == null)
        {
            return end("segment header invalid: segment=" + name);
        }
        generation = g;
        loadedSegment = k;
        return true;
    }

    private boolean end(final String reason)
    {
        ended = true;
        endReason = reason;
        recordLsn = -1;
        return false;
    }

    /** @return the current record's LSN (its position in the log). */
    public long lsn()
    {
        return recordLsn;
    }

    /** @return the current record's length in bytes. */
    public int length()
    {
        return recordLength;
    }

    /** @return a read-only view of the current record, valid until the next call of {@link #next()}. */
    public ByteBuffer record()
    {
        if (recordLsn < 0)
        {
            throw new IllegalStateException("no current record: call next() first");
        }
        final int at = (int)(recordLsn - loadedSegment * dataBytes) + HEADER_BLOCK_BYTES + FRAME_HEADER_BYTES;
        final ByteBuffer b = segment.duplicate();
        b.limit(at + recordLength).position(at);
        return b.slice().asReadOnlyBuffer();
    }

    /** @return true once {@link #next()} returned false. */
    public boolean ended()
    {
        return ended;
    }

    /** @return after the end: the LSN where the valid log ends (the next record would go there). */
    public long endLsn()
    {
        if (!ended)
        {
            throw new IllegalStateException("not at the end yet: position=" + position);
        }
        return position;
    }

    /** @return after the end: why the log ends there (zero, crc, lsn, length, segment missing, limit). */
    public String endReason()
    {
        return endReason;
    }

    /** @return the segment generation of the loaded segment (for tests). */
    int generation()
    {
        return generation;
    }

    @Override
    public void close()
    {
        // The segment buffer is freed by the collector; files are closed after each load.
    }
}
