package dev.pageio.linux.aio;

import java.nio.ByteBuffer;

/**
 * The pending part of the iocb* array that {@code io_submit} reads ({@link AioBlockDescriptor#ptrs}): iocbs
 * prepared and not yet accepted by the kernel, in order. {@code io_submit} takes them from {@link #address()};
 * when the kernel accepts only the first k, {@link #consume} drops those and the rest wait for the next submit.
 *
 * <p>Threading: the ring agent only. Allocation-free.
 */
final class AioPendingIocbs
{
    private final ByteBuffer mem;
    private final long memory;
    private final int ptrs;
    private final long iocbs;
    private final int capacity;
    private int start;
    private int end;

    AioPendingIocbs(final ByteBuffer mem, final long memory, final AioBlockDescriptor block, final int capacity)
    {
        this.mem = mem;
        this.memory = memory;
        this.ptrs = block.ptrs;
        this.iocbs = memory + block.iocbs;
        this.capacity = capacity;
    }

    /** @return true when one more iocb fits (moving the pending ones to the front if needed); false when full. */
    boolean makeRoom()
    {
        if (end < capacity)
        {
            return true;
        }
        if (start == 0)
        {
            return false;
        }
        final int n = end - start;
        for (int i = 0; i < n; i++)
        {
            mem.putLong(ptrs + i * 8, mem.getLong(ptrs + (start + i) * 8));
        }
        start = 0;
        end = n;
        return true;
    }

    /** Appends slot {@code index}'s iocb; {@link #makeRoom()} said it fits. */
    void add(final int index)
    {
        mem.putLong(ptrs + end * 8, iocbs + (long)index * IocbDescriptor.SIZE);
        end++;
    }

    /** @return how many iocbs are pending. */
    int size()
    {
        return end - start;
    }

    /** @return the address of the first pending iocb* entry: io_submit's iocbpp. */
    long address()
    {
        return memory + ptrs + (long)start * 8;
    }

    /** @return the slot index of the {@code i}-th pending iocb (0 is the first). */
    int slot(final int i)
    {
        return (int)((mem.getLong(ptrs + (start + i) * 8) - iocbs) / IocbDescriptor.SIZE);
    }

    /** Drops the first {@code n} pending iocbs (accepted or refused by the kernel). */
    void consume(final int n)
    {
        start += n;
        if (start == end)
        {
            start = 0;
            end = 0;
        }
    }

    /**
     * Removes slot {@code index}'s iocb, keeping the order of the others.
     *
     * @return true when it was pending.
     */
    boolean remove(final int index)
    {
        for (int i = start; i < end; i++)
        {
            if (slot(i - start) == index)
            {
                for (int j = i + 1; j < end; j++)
                {
                    mem.putLong(ptrs + (j - 1) * 8, mem.getLong(ptrs + j * 8));
                }
                end--;
                consume(0);
                return true;
            }
        }
        return false;
    }
}
