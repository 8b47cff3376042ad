package dev.pageio.direct;

import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;

/**
 * The CHECKED mode of {@link AlignedBufferPool}: a released buffer is filled with {@link AlignedBufferPool#POISON},
 * and an acquire finds a byte that is not poison when someone wrote to the buffer after releasing it (a use after
 * release, e.g. a read the kernel still fills).
 *
 * <p>Threading: any thread, on a buffer it owns (being released or acquired).
 */
final class BufferPoison
{
    /** Eight poison bytes, to compare a long at a time. */
    private static final long POISON_LONG = 0xDBDB_DBDB_DBDB_DBDBL;

    private BufferPoison()
    {
    }

    /** Fills {@code bytes} bytes at {@code address} with the poison. */
    static void poison(final long address, final int bytes)
    {
        Linux.memset(address, AlignedBufferPool.POISON, bytes);
    }

    /** @return the index of the first byte of {@code buffer}'s capacity that is not the poison, or -1. */
    static int firstNonPoison(final ByteBuffer buffer)
    {
        final int capacity = buffer.capacity();
        int i = 0;
        for (; i + 8 <= capacity; i += 8)
        {
            if (buffer.getLong(i) != POISON_LONG)
            {
                break;
            }
        }
        for (; i < capacity; i++)
        {
            if (buffer.get(i) != AlignedBufferPool.POISON)
            {
                return i;
            }
        }
        return -1;
    }

    /** @return the failure of an acquire that found the buffer at {@code index} written at {@code offset}. */
    static IllegalStateException writtenAfterRelease(final int index, final int offset, final byte found)
    {
        return new IllegalStateException("buffer written after release: index=" + index + " offset=" + offset +
            " expected=0x" + Integer.toHexString(AlignedBufferPool.POISON & 0xFF) + " found=0x" +
            Integer.toHexString(found & 0xFF));
    }
}
