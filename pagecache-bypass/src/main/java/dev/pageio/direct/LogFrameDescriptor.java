package dev.pageio.direct;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The on-disk format of a {@link LogFile}, little-endian.
 *
 * <p>A segment file is a 4096-byte header block, then {@code segmentBytes - 4096} data bytes. The log's byte
 * positions (LSNs) run on across segments: segment {@code k} holds LSNs {@code [k*D, (k+1)*D)} with
 * {@code D = segmentBytes - 4096}, LSN {@code p} at file offset {@code 4096 + p - k*D}; its name is {@code k} in
 * 16 hex digits + {@code .log}.
 * <pre>
 * segment header (first 48 bytes of the header block)
 *   0                   8                   16        20        24                  32                  40   44
 *   +-------------------+-------------------+---------+---------+-------------------+-------------------+----+
 *   | magic PGIOWAL1    | segment index k   | gen     | version | segmentBytes      | reserved (0)      |crc |
 *   +-------------------+-------------------+---------+---------+-------------------+-------------------+----+
 *   crc = CRC32C of bytes [0, 40)
 *
 * frame (16-byte aligned; never crosses a segment end nor a multiple of the log buffer's size)
 *   0         4         8                   16
 *   +---------+---------+-------------------+---------------------------------+-- zeros to a multiple of 16
 *   | length  | crc     | lsn               | payload (length - 16 bytes)     |
 *   +---------+---------+-------------------+---------------------------------+
 *   length: 16 + payload bytes, written last (a release store: the frame is published); 0 = no frame.
 *           PAD_FLAG | n: a padding frame of n bytes (header included): skip n bytes.
 *   crc:    CRC32C of bytes [4, length) (pads: [4, 16)) computed with the segment's generation in place of the
 *           crc field. A frame left from an older generation of a reused segment, or from before a recovery,
 *           fails it, as a torn frame does (SQLite's WAL salts its frame checksums the same way).
 *   lsn:    the frame's own position; must equal where it is found.
 * </pre>
 * A reused segment gets a new generation, larger than any in the directory, before anything is written to it;
 * so its old bytes never pass as frames.
 */
final class LogFrameDescriptor
{
    static final int HEADER_BLOCK_BYTES = 4096;
    static final int FRAME_HEADER_BYTES = 16;
    static final int FRAME_ALIGNMENT = 16;
    static final int LENGTH_OFFSET = 0;
    static final int CRC_OFFSET = 4;
    static final int LSN_OFFSET = 8;
    static final int PAD_FLAG = 0x8000_0000;

    static final long MAGIC = 0x314C_4157_4F49_4750L; // "PGIOWAL1" little-endian
    static final int VERSION = 1;
    static final int SEGMENT_HEADER_BYTES = 44;
    static final int H_MAGIC = 0;
    static final int H_INDEX = 8;
    static final int H_GENERATION = 16;
    static final int H_VERSION = 20;
    static final int H_SEGMENT_BYTES = 24;
    static final int H_CRC = 40;

    /** Int access with acquire/release order on the log buffer (little-endian, any buffer position). */
    static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    private LogFrameDescriptor()
    {
    }

    static String segmentName(final long index)
    {
        return String.format("%016x.log", index);
    }

    /** @return the segment index of a segment file's name, or -1 when it is not one. */
    static long parseSegmentName(final String name)
    {
        if (name.length() != 20 || !name.endsWith(".log"))
        {
            return -1;
        }
        try
        {
            return Long.parseUnsignedLong(name.substring(0, 16), 16);
        }
        catch (final NumberFormatException e)
        {
            return -1;
        }
    }

    static boolean isSpareName(final String name)
    {
        return name.startsWith("spare-") && name.endsWith(".log");
    }

    static int align(final int frameLength)
    {
        return (frameLength + FRAME_ALIGNMENT - 1) & -FRAME_ALIGNMENT;
    }

    /**
     * The CRC of a frame at {@code at} in {@code view} (a duplicate the caller owns), over {@code [at+4, at+end)}
     * with {@code generation} in the crc field. Leaves the generation in the crc field.
     */
    static int frameCrc(final ByteBuffer view, final CRC32C crc, final int at, final int end, final int generation)
    {
        view.putInt(at + CRC_OFFSET, generation);
        view.limit(at + end).position(at + CRC_OFFSET);
        crc.reset();
        crc.update(view);
        view.clear();
        return (int)crc.getValue();
    }

    /** Writes a segment header at position 0 of {@code block} (4096 bytes, zeroed here first). */
    static void putSegmentHeader(final ByteBuffer block, final long index, final int generation, final long segmentBytes)
    {
        final ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < HEADER_BLOCK_BYTES; i += 8)
        {
            b.putLong(i, 0);
        }
        b.putLong(H_MAGIC, MAGIC);
        b.putLong(H_INDEX, index);
        b.putInt(H_GENERATION, generation);
        b.putInt(H_VERSION, VERSION);
        b.putLong(H_SEGMENT_BYTES, segmentBytes);
        b.putInt(H_CRC, headerCrc(b));
    }

    private static int headerCrc(final ByteBuffer b)
    {
        final CRC32C crc = new CRC32C();
        final ByteBuffer d = b.duplicate();
        d.limit(H_CRC).position(0);
        crc.update(d);
        return (int)crc.getValue();
    }

    /**
     * @return the generation in a valid header for segment {@code index} with {@code segmentBytes}, or null when
     * the header is invalid (wrong magic, index, size, version or CRC).
     */
    static Integer segmentGeneration(final ByteBuffer block, final long index, final long segmentBytes)
    {
        final ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.limit() < SEGMENT_HEADER_BYTES || b.getLong(H_MAGIC) != MAGIC || b.getInt(H_CRC) != headerCrc(b) ||
            b.getInt(H_VERSION) != VERSION || b.getLong(H_INDEX) != index ||
            (segmentBytes > 0 && b.getLong(H_SEGMENT_BYTES) != segmentBytes))
        {
            return null;
        }
        return b.getInt(H_GENERATION);
    }

    /** @return the segment size a valid-looking header records, or -1. */
    static long headerSegmentBytes(final ByteBuffer block)
    {
        final ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(H_MAGIC) != MAGIC || b.getInt(H_CRC) != headerCrc(b))
        {
            return -1;
        }
        return b.getLong(H_SEGMENT_BYTES);
    }
}
