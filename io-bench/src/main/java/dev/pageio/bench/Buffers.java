package dev.pageio.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/** Page buffers for the benchmark: direct, 4096-aligned (enough for O_DIRECT on every file system here). */
public final class Buffers
{
    static final int ALIGNMENT = 4096;

    private Buffers()
    {
    }

    /**
     * @param size bytes.
     * @param seed fills the buffer with pseudo-random bytes (what writes write).
     * @return a direct buffer of capacity {@code size} whose address is a multiple of 4096.
     */
    public static ByteBuffer aligned(final int size, final long seed)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(size + ALIGNMENT).alignedSlice(ALIGNMENT);
        b.limit(size);
        final ByteBuffer slice = b.slice();
        fillRandom(slice, seed);
        return slice;
    }

    static void fillRandom(final ByteBuffer b, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(seed);
        int i = 0;
        for (; i + 8 <= b.capacity(); i += 8)
        {
            b.putLong(i, random.nextLong());
        }
        for (; i < b.capacity(); i++)
        {
            b.put(i, (byte)random.nextInt());
        }
    }
}
