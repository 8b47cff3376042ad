package dev.pageio.linux.aio;

/**
 * Offsets in the one malloc'd block an {@link AioBackend} keeps for the kernel to read, sized by the ring's
 * {@code queueDepth} (q) and {@code maxSegments} (m); written by the ring agent only, zeroed at allocation.
 *
 * <pre>
 *  0                                   64*(q+1)                      64*(q+1) + 8*(q+1)
 *  +-----------------------------------+-----------------------------+----------+----------+-------------------+
 *  | iocb[q] (slot i's is the i-th),   | iocb*[q] (pending part read | wake     | one      | iovec[q*m]        |
 *  | then the wakeup POLL's iocb       | by io_submit), wake iocb*   | read (8) | (8) = 1  | slot i's: i*m ... |
 *  +-----------------------------------+-----------------------------+----------+----------+-------------------+
 * </pre>
 *
 * <p>A slot's iocb ({@link IocbDescriptor}) and iovecs ({@link IocbDescriptor#IOVEC_SIZE} each) are rewritten only
 * after the slot's completion was reaped. The wakeup POLL's iocb is written once, at setup. The words "wake read"
 * and "one" are the 8-byte buffers of the eventfd read and write. Immutable.
 */
final class AioBlockDescriptor
{
    /** Offset of slot 0's iocb. */
    final int iocbs = 0;
    /** Offset of the wakeup POLL's iocb (after the q slots'). */
    final int wakeIocb;
    /** Offset of the iocb* array io_submit reads. */
    final int ptrs;
    /** Offset of the one iocb* entry naming the wakeup POLL's iocb. */
    final int wakePtr;
    /** Offset of the 8 bytes an eventfd read fills. */
    final int wakeRead;
    /** Offset of the 8-byte value 1 written to an eventfd. */
    final int one;
    /** Offset of slot 0's iovec array. */
    final int iovecs;
    /** Bytes of the block. */
    final int size;

    /**
     * @param queueDepth  the ring's queue depth.
     * @param maxSegments the most segments of a vectored request.
     * @throws IllegalArgumentException when the block would not fit an int.
     */
    AioBlockDescriptor(final int queueDepth, final int maxSegments)
    {
        final long iocbsBytes = (long)(queueDepth + 1) * IocbDescriptor.SIZE;
        final long ptrsBytes = (long)(queueDepth + 1) * 8;
        final long iovecBytes = (long)queueDepth * maxSegments * IocbDescriptor.IOVEC_SIZE;
        final long total = iocbsBytes + ptrsBytes + 16 + iovecBytes;
        if (total > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("native tables too large: queueDepth=" + queueDepth +
                " maxSegments=" + maxSegments + " bytes=" + total + " max=" + Integer.MAX_VALUE);
        }
        this.wakeIocb = queueDepth * IocbDescriptor.SIZE;
        this.ptrs = (int)iocbsBytes;
        this.wakePtr = ptrs + queueDepth * 8;
        this.wakeRead = (int)(iocbsBytes + ptrsBytes);
        this.one = wakeRead + 8;
        this.iovecs = one + 8;
        this.size = (int)total;
    }
}
