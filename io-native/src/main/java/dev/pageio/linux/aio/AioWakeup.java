package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The wakeup of an {@link AioBackend}'s wait: an eventfd, and an internal IOCB_CMD_POLL on it (Linux 4.18+) kept in
 * the context, so that {@link #wakeup()} (a write to the eventfd) completes the poll and ends an io_getevents
 * blocked in {@link AioContext#await}. A wakeup while the poll is not armed leaves the eventfd readable, and the
 * next wait reads it and returns at once: no wakeup is lost. Without kernel POLL support the wait is cut into 1 ms
 * slices. The poll's iocb, its {@code iocb*} and the eventfd's words live in the backend's native block
 * ({@link AioBlockDescriptor}).
 *
 * <p>Threading: {@link #wakeup()}: any thread. Everything else: the ring agent.
 */
final class AioWakeup
{
    /** {@code aio_data} of the poll: bit 63 set, never a request slot. */
    static final long POLL_DATA = AioBackend.INTERNAL_TAG | 1;
    private static final long NO_POLL_SLICE_NS = 1_000_000L;

    private final int fd;
    private final boolean kernelPoll;
    /** The poll's {@code iocb*}, for io_submit. */
    private final long pollPtr;
    /** 8 bytes the wait reads the eventfd into. */
    private final long readAddress;
    /** The value 1, which {@link #wakeup()} writes. */
    private final long one;
    private final AtomicInteger wakers = new AtomicInteger();
    private volatile boolean closed;
    private boolean pollArmed;
    private boolean pollBroken;
    private long reads;
    private long pollSubmits;

    /**
     * Writes the poll's iocb into the block.
     *
     * @param mem        the backend's native block.
     * @param address    its address.
     * @param block      its layout.
     * @param fd         the eventfd (non-blocking); closed by {@link #close()}.
     * @param kernelPoll true when the kernel runs IOCB_CMD_POLL.
     */
    AioWakeup(final ByteBuffer mem, final long address, final AioBlockDescriptor block, final int fd,
        final boolean kernelPoll)
    {
        this.fd = fd;
        this.kernelPoll = kernelPoll;
        this.pollPtr = address + block.wakePtr;
        this.readAddress = address + block.wakeRead;
        this.one = address + block.one;
        mem.putLong(block.one, 1L);
        mem.putLong(block.wakePtr, address + block.wakeIocb);
        mem.putLong(block.wakeIocb + IocbDescriptor.DATA, POLL_DATA);
        mem.putShort(block.wakeIocb + IocbDescriptor.LIO_OPCODE, IocbDescriptor.CMD_POLL);
        mem.putInt(block.wakeIocb + IocbDescriptor.FILDES, fd);
        mem.putLong(block.wakeIocb + IocbDescriptor.BUF, IocbDescriptor.POLLIN);
    }

    /**
     * Before a wait of up to {@code timeoutNs}: when the poll is not armed, reads a pending wakeup (the wait ends at
     * once) or arms the poll (io_submit), and without a poll cuts the wait to a 1 ms slice.
     *
     * @return how long to wait in io_getevents, or -1 when a wakeup was pending (do not wait).
     */
    long beforeWait(final AioContext context, final long timeoutNs)
    {
        long waitNs = Math.max(0, timeoutNs);
        if (!pollArmed)
        {
            // a wakeup since the poll last completed left the eventfd readable: consume it and return at once
            reads++;
            if (Linux.read(fd, readAddress, 8) == 8)
            {
                return -1;
            }
            if (kernelPoll && !pollBroken)
            {
                final long r = context.submit(1, pollPtr);
                if (r == 1)
                {
                    pollSubmits++;
                    pollArmed = true;
                }
                else if (r != -Errno.EAGAIN)
                {
                    pollBroken = true;
                }
            }
            if (!pollArmed)
            {
                waitNs = Math.min(waitNs, NO_POLL_SLICE_NS);
            }
        }
        return waitNs;
    }

    /** Any thread: ends the agent's wait (or the next one). */
    void wakeup()
    {
        wakers.incrementAndGet();
        try
        {
            // closed is read after the increment: close() sets closed, then waits for wakers == 0 before it
            // closes the eventfd, so a write never reaches a closed (or reused) descriptor
            if (!closed)
            {
                Linux.write(fd, one, 8);
            }
        }
        finally
        {
            wakers.decrementAndGet();
        }
    }

    /** The poll's completion was reaped. */
    void pollCompleted()
    {
        pollArmed = false;
    }

    /** @return true while the poll is in the kernel. */
    boolean pollArmed()
    {
        return pollArmed;
    }

    /** The poll was canceled and reaped, or the context is destroyed with it. */
    void pollDisarmed()
    {
        pollArmed = false;
    }

    /** The backend closes: no wakeup writes the eventfd from now on. */
    void closing()
    {
        closed = true;
    }

    /** Waits for the wakeups under way (a few instructions each), then closes the eventfd. */
    void awaitWakers()
    {
        while (wakers.get() != 0)
        {
            Thread.onSpinWait();
        }
    }

    void close()
    {
        Linux.close(fd);
    }

    /** @return the eventfd reads made by waits. */
    long reads()
    {
        return reads;
    }

    /** @return io_submit calls that armed the poll. */
    long pollSubmits()
    {
        return pollSubmits;
    }
}
