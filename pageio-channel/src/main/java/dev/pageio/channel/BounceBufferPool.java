package dev.pageio.channel;

import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

import java.nio.ByteBuffer;

/**
 * Page-aligned direct buffers through which heap buffers (and, on O_DIRECT files, misaligned direct buffers) are
 * copied to and from the kernel. Power-of-two size classes from 4 KiB to 1 MiB, each holding up to 4 MiB of idle
 * buffers (so at most 36 MiB in all), filled on demand: after warm-up an I/O takes and returns a buffer without
 * allocating. A transfer larger than 1 MiB, or needing an alignment above 4096, gets a buffer of its own that is
 * dropped afterwards (allocation per I/O for those sizes only).
 *
 * <p>Threading: {@link #acquire} and {@link #release}: any thread, lock-free.
 */
final class BounceBufferPool
{
    /** The alignment of every pooled buffer (the page size of x86-64 and arm64 Linux). */
    static final int ALIGNMENT = 4096;
    private static final int MIN_SHIFT = 12;
    private static final int MAX_SHIFT = 20;
    private static final int IDLE_BYTES_PER_CLASS = 4 << 20;

    static final BounceBufferPool SHARED = new BounceBufferPool();

    @SuppressWarnings("unchecked") // an array of a generic type is created raw and cast: no other way in Java
    private final MpmcVarHandleArrayQueue<ByteBuffer>[] classes =
        (MpmcVarHandleArrayQueue<ByteBuffer>[])new MpmcVarHandleArrayQueue<?>[MAX_SHIFT - MIN_SHIFT + 1];

    BounceBufferPool()
    {
        for (int shift = MIN_SHIFT; shift <= MAX_SHIFT; shift++)
        {
            classes[shift - MIN_SHIFT] = new MpmcVarHandleArrayQueue<>(Math.max(2, IDLE_BYTES_PER_CLASS >> shift));
        }
    }

    /**
     * @param length    bytes needed, &ge; 0.
     * @param alignment the address alignment needed, a power of two.
     * @return a direct buffer with position 0 and limit {@code length}, its address aligned to {@code alignment}.
     */
    ByteBuffer acquire(final int length, final int alignment)
    {
        final int shift = shiftOf(length);
        if (shift > MAX_SHIFT || alignment > ALIGNMENT)
        {
            return allocate(length, Math.max(alignment, ALIGNMENT)).limit(length);
        }
        ByteBuffer b = classes[shift - MIN_SHIFT].poll();
        if (b == null)
        {
            b = allocate(1 << shift, ALIGNMENT);
        }
        b.clear().limit(length);
        return b;
    }

    /** @param buffer a buffer from {@link #acquire}; pooled again when it is one of the size classes. */
    void release(final ByteBuffer buffer)
    {
        final int capacity = buffer.capacity();
        if (Integer.bitCount(capacity) == 1)
        {
            final int shift = Integer.numberOfTrailingZeros(capacity);
            if (shift >= MIN_SHIFT && shift <= MAX_SHIFT)
            {
                classes[shift - MIN_SHIFT].offer(buffer); // full: dropped, the GC frees it
            }
        }
    }

    private static int shiftOf(final int length)
    {
        if (length <= 1 << MIN_SHIFT)
        {
            return MIN_SHIFT;
        }
        return 32 - Integer.numberOfLeadingZeros(length - 1);
    }

    private static ByteBuffer allocate(final int capacity, final int alignment)
    {
        // allocateDirect aligns to 8 bytes at best; over-allocate and slice at the aligned address.
        final ByteBuffer raw = ByteBuffer.allocateDirect(capacity + alignment);
        final ByteBuffer aligned = raw.alignedSlice(alignment);
        return aligned.limit(capacity).slice();
    }
}
