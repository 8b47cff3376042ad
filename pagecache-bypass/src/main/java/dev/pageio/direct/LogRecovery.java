package dev.pageio.direct;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.zip.CRC32C;

import static dev.pageio.direct.LogFrameDescriptor.CRC_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.FRAME_HEADER_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.LSN_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.PAD_FLAG;

/**
 * The recovery room of a {@link LogFile}, run once by {@link LogFile#open}: reads every segment's header, reads the
 * log from its first valid segment with a {@link LogReader} to the first invalid frame (the recovered end), and
 * decides where appends go on: a fresh segment after the end. The old tail is then sealed ({@link #seal}) with a
 * padding frame, so bytes beyond the end (records never acknowledged) can never become part of the log.
 *
 * <p>Threading: the opening thread, before the log is published.
 */
final class LogRecovery
{
    private LogRecovery()
    {
    }

    /** What recovery found in the directory. */
    static final class Found
    {
        long startLsn;
        long endLsn;
        long firstSegment;
        int generationBase;
        String endReason;
        /** Valid segments by index, with their generation. */
        final TreeMap<Long, Integer> valid = new TreeMap<>();
        /** Segments whose header is invalid (never trusted). */
        final List<Long> invalid = new ArrayList<>();
        /** Spare files (removed segments kept for reuse). */
        final List<String> spareNames = new ArrayList<>();
        /** The segment holding the end. */
        long endSegment;
        /** The end is inside its segment: the old tail must be sealed. */
        boolean seal;
    }

    /**
     * Reads the segment headers and the log to its end.
     *
     * @throws IOException when a file cannot be read, or the log has another segment size than configured.
     */
    static Found scan(final LogStorage storage, final LogConfig config) throws IOException
    {
        final long segmentBytes = config.segmentBytes();
        final long dataBytes = segmentBytes - HEADER_BLOCK_BYTES;
        final Found r = new Found();
        int maxGeneration = 0;
        final ByteBuffer block = ByteBuffer.allocateDirect(2 * HEADER_BLOCK_BYTES).alignedSlice(HEADER_BLOCK_BYTES);
        block.limit(HEADER_BLOCK_BYTES);
        for (final String name : storage.names())
        {
            if (LogFrameDescriptor.isSpareName(name))
            {
                r.spareNames.add(name);
                continue;
            }
            final long k = LogFrameDescriptor.parseSegmentName(name);
            if (k < 0)
            {
                continue;
            }
            final IoFile f = storage.open(name);
            try
            {
                block.clear().limit(HEADER_BLOCK_BYTES);
                for (int i = 0; i < HEADER_BLOCK_BYTES; i++)
                {
                    block.put(i, (byte)0);
                }
                LogIo.await(() -> f.read(0, block), "read segment header: segment=" + name);
            }
            finally
            {
                f.close();
            }
            block.clear().limit(HEADER_BLOCK_BYTES);
            final long recorded = LogFrameDescriptor.headerSegmentBytes(block);
            if (recorded > 0 && recorded != segmentBytes)
            {
                throw new IOException("log segment size differs from the configuration: segment=" + name +
                    " segmentBytes=" + recorded + " configured=" + segmentBytes + " directory=" + storage.describe());
            }
            final Integer g = LogFrameDescriptor.segmentGeneration(block, k, segmentBytes);
            if (g == null)
            {
                r.invalid.add(k);
            }
            else
            {
                r.valid.put(k, g);
                maxGeneration = Math.max(maxGeneration, g);
            }
        }
        r.generationBase = maxGeneration + 1;
        if (r.valid.isEmpty())
        {
            r.startLsn = 0;
            r.endLsn = 0;
            r.endReason = "empty";
        }
        else
        {
            r.startLsn = r.valid.firstKey() * dataBytes;
            try (LogReader reader = new LogReader(storage, segmentBytes, r.startLsn, Long.MAX_VALUE, config.breakage))
            {
                while (reader.next())
                {
                    // Recovery only needs the end; the caller reads the records through reader().
                }
                r.endLsn = reader.endLsn();
                r.endReason = reader.endReason();
            }
        }
        r.endSegment = r.endLsn / dataBytes;
        r.seal = r.endLsn % dataBytes != 0;
        r.firstSegment = r.seal ? r.endSegment + 1 : r.endSegment;
        if (!r.seal && r.valid.isEmpty())
        {
            r.startLsn = r.firstSegment * dataBytes;
        }
        return r;
    }

    /**
     * Sets the found segments aside as spares: those beyond the end (never part of the log) and the invalid ones,
     * renamed and given a new generation before any reuse. Then syncs the directory.
     */
    static void setAside(final Found r, final LogSegments segments, final LogStorage storage) throws IOException
    {
        segments.addSpares(r.spareNames);
        for (final long k : r.valid.keySet())
        {
            if (k > r.endSegment && k != r.firstSegment)
            {
                segments.makeSpare(k);
            }
        }
        for (final long k : r.invalid)
        {
            if (k != r.firstSegment)
            {
                segments.makeSpare(k);
            }
        }
        storage.syncDirectory();
    }

    /** Writes a padding frame from the recovered end to the end of its segment, and syncs it. */
    static void seal(final LogState state, final Found r) throws IOException
    {
        final long endLsn = r.endLsn;
        final int generation = r.valid.get(r.endSegment);
        final long dataBytes = state.dataBytes;
        final int blockBytes = state.blockBytes;
        final long k = endLsn / dataBytes;
        final IoFile f = state.storage.open(LogFrameDescriptor.segmentName(k));
        try
        {
            final long inSegment = endLsn - k * dataBytes;
            final long blockStart = inSegment & -(long)blockBytes;
            final ByteBuffer b = ByteBuffer.allocateDirect(2 * blockBytes).alignedSlice(blockBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
            b.limit(blockBytes);
            LogIo.await(() -> f.read(HEADER_BLOCK_BYTES + blockStart, b), "read tail block: segment=" + k);
            b.clear().limit(blockBytes);
            final int at = (int)(inSegment - blockStart);
            for (int i = at; i < blockBytes; i++)
            {
                b.put(i, (byte)0);
            }
            b.putLong(at + LSN_OFFSET, endLsn);
            final ByteBuffer view = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(at + CRC_OFFSET, LogFrameDescriptor.frameCrc(view, new CRC32C(), at, FRAME_HEADER_BYTES,
                generation));
            b.putInt(at, PAD_FLAG | (int)(dataBytes - inSegment));
            b.clear().limit(blockBytes);
            LogIo.await(() -> f.write(HEADER_BLOCK_BYTES + blockStart, b), "write seal: segment=" + k);
            // No sync on an O_DSYNC file (SyncMode.DSYNC): the write above was durable at its completion (rule 10).
            LogIo.await(() -> f.barrier(BarrierMode.DATA), "sync seal: segment=" + k);
        }
        finally
        {
            f.close();
        }
    }
}
