package dev.pageio.direct;

import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;

/**
 * What O_DIRECT needs of requests on one file: file offsets and lengths multiples of
 * {@link #offsetAlignment()}, buffer addresses multiples of {@link #memoryAlignment()}; and where the
 * answer came from. Immutable.
 *
 * <p>The checks ({@link #check(long, int, ByteBuffer, int)} and the static form for callers that only
 * know the two numbers, such as the core's {@code IoFile}) throw {@link IllegalArgumentException} in
 * key=value text, so a misaligned request never reaches the kernel as an EINVAL. They allocate nothing
 * unless they throw.
 */
public final class Alignment
{
    /** Where an alignment came from, best first. */
    public enum Source
    {
        /** statx(2) with {@code STATX_DIOALIGN} (Linux 6.1+): the filesystem's own answer for this file. */
        STATX_DIOALIGN,
        /** The logical block size of the device under the filesystem ({@code /sys/dev/block/M:m/queue}). */
        BLOCK_DEVICE,
        /** The filesystem's block size (statfs {@code f_bsize}): conservative, always sufficient in practice. */
        FS_BLOCK_SIZE,
        /** Not an O_DIRECT file: no alignment is needed. */
        NONE
    }

    /** The alignment of a file opened without O_DIRECT: 1 and 1. */
    public static final Alignment NONE = new Alignment(1, 1, Source.NONE);

    private final int memoryAlignment;
    private final int offsetAlignment;
    private final Source source;

    /**
     * @param memoryAlignment buffer address alignment, a power of two.
     * @param offsetAlignment offset and length alignment, a power of two.
     * @param source          where the numbers came from.
     */
    public Alignment(final int memoryAlignment, final int offsetAlignment, final Source source)
    {
        requirePowerOfTwo("memoryAlignment", memoryAlignment);
        requirePowerOfTwo("offsetAlignment", offsetAlignment);
        if (source == null)
        {
            throw new IllegalArgumentException("source is null");
        }
        this.memoryAlignment = memoryAlignment;
        this.offsetAlignment = offsetAlignment;
        this.source = source;
    }

    private static void requirePowerOfTwo(final String name, final long value)
    {
        if (value < 1 || (value & (value - 1)) != 0)
        {
            throw new IllegalArgumentException(name + " not a power of two: " + name + "=" + value);
        }
    }

    /** @return the alignment buffer addresses need. */
    public int memoryAlignment()
    {
        return memoryAlignment;
    }

    /** @return the alignment file offsets and lengths need. */
    public int offsetAlignment()
    {
        return offsetAlignment;
    }

    /** @return where the numbers came from. */
    public Source source()
    {
        return source;
    }

    /**
     * Checks one request against this alignment.
     *
     * @param fileOffset     the file offset.
     * @param length         bytes.
     * @param buffer         a direct buffer (any buffer when this is {@link #NONE}).
     * @param bufferPosition where in the buffer the transfer starts.
     * @throws IllegalArgumentException naming the value and the alignment.
     */
    public void check(final long fileOffset, final int length, final ByteBuffer buffer, final int bufferPosition)
    {
        check(fileOffset, length, buffer, bufferPosition, offsetAlignment, memoryAlignment);
    }

    /**
     * Checks one request against an alignment given as two numbers (e.g. a {@code FileAccess}'s
     * {@code offsetAlignment()} and {@code memoryAlignment()}); 1 and 1 check nothing but the offset's sign.
     *
     * @param fileOffset      the file offset, &ge; 0.
     * @param length          bytes, &ge; 0.
     * @param buffer          the buffer; must be direct when memoryAlignment &gt; 1.
     * @param bufferPosition  where in the buffer the transfer starts.
     * @param offsetAlignment a power of two.
     * @param memoryAlignment a power of two.
     * @throws IllegalArgumentException naming the value and the alignment, e.g.
     *                                  {@code "offset not aligned: offset=4097 alignment=512"}.
     */
    public static void check(final long fileOffset, final int length, final ByteBuffer buffer,
        final int bufferPosition, final int offsetAlignment, final int memoryAlignment)
    {
        if (fileOffset < 0)
        {
            throw new IllegalArgumentException("offset negative: offset=" + fileOffset);
        }
        if (length < 0)
        {
            throw new IllegalArgumentException("length negative: length=" + length);
        }
        if ((fileOffset & (offsetAlignment - 1)) != 0)
        {
            throw new IllegalArgumentException("offset not aligned: offset=" + fileOffset + " alignment=" +
                offsetAlignment);
        }
        if ((length & (offsetAlignment - 1)) != 0)
        {
            throw new IllegalArgumentException("length not aligned: length=" + length + " alignment=" +
                offsetAlignment);
        }
        if (memoryAlignment > 1)
        {
            checkMemory(buffer, bufferPosition, memoryAlignment);
        }
    }

    /**
     * @param buffer          a direct buffer.
     * @param bufferPosition  an index in it.
     * @param memoryAlignment a power of two.
     * @throws IllegalArgumentException when the buffer is not direct or its address at bufferPosition is not
     *                                  a multiple of memoryAlignment.
     */
    public static void checkMemory(final ByteBuffer buffer, final int bufferPosition, final int memoryAlignment)
    {
        if (!buffer.isDirect())
        {
            throw new IllegalArgumentException("buffer not direct: O_DIRECT needs native memory: buffer=" + buffer);
        }
        if (bufferPosition < 0 || bufferPosition > buffer.capacity())
        {
            throw new IllegalArgumentException("bufferPosition out of range: bufferPosition=" + bufferPosition +
                " capacity=" + buffer.capacity());
        }
        final int misalignment = buffer.alignmentOffset(bufferPosition, memoryAlignment);
        if (misalignment != 0)
        {
            throw new IllegalArgumentException("buffer address not aligned: address=0x" +
                Long.toHexString(Linux.address(buffer) + bufferPosition) + " bufferPosition=" + bufferPosition +
                " misalignment=" + misalignment + " alignment=" + memoryAlignment);
        }
    }

    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof Alignment))
        {
            return false;
        }
        final Alignment that = (Alignment)o;
        return memoryAlignment == that.memoryAlignment && offsetAlignment == that.offsetAlignment &&
            source == that.source;
    }

    @Override
    public int hashCode()
    {
        return (memoryAlignment * 31 + offsetAlignment) * 31 + source.hashCode();
    }

    @Override
    public String toString()
    {
        return "Alignment{memory=" + memoryAlignment + " offset=" + offsetAlignment + " source=" + source + "}";
    }
}
