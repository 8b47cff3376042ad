package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a {@link UringBackend}'s wait needs besides the ring: a private non-blocking eventfd that {@link #wakeup()}
 * writes (an IORING_OP_READ of it is kept in the ring, so a write ends an io_uring_enter blocked in GETEVENTS), and
 * a malloc'd scratch block with that read's 8-byte buffer, the value 1 that wakeup writes, and the
 * {@code struct io_uring_getevents_arg} with its {@code timespec} for IORING_ENTER_EXT_ARG.
 *
 * <pre>
 *   scratch: | wake read (8) | one (8) | io_uring_getevents_arg | __kernel_timespec |
 * </pre>
 *
 * <p>Threading: {@link #wakeup()}: any thread. Everything else: the ring agent.
 */
final class UringWaker
{
    private static final int SCRATCH_WAKE_READ = 0;
    private static final int SCRATCH_WAKE_ONE = 8;
    private static final int SCRATCH_ARG = 16;
    private static final int SCRATCH_TIMESPEC = SCRATCH_ARG + GetEventsArgDescriptor.SIZE;
    private static final int SCRATCH_SIZE = SCRATCH_TIMESPEC + GetEventsArgDescriptor.TIMESPEC_SIZE;

    private final int fd;
    private final long scratchAddress;
    private final ByteBuffer scratch;
    private final AtomicInteger wakers = new AtomicInteger();
    private volatile boolean closed;

    private UringWaker(final int fd, final long scratchAddress)
    {
        this.fd = fd;
        this.scratchAddress = scratchAddress;
        this.scratch = Linux.wrap(scratchAddress, SCRATCH_SIZE);
        scratch.putLong(SCRATCH_WAKE_ONE, 1L);
        scratch.putLong(SCRATCH_ARG + GetEventsArgDescriptor.SIGMASK, 0L);
        scratch.putInt(SCRATCH_ARG + GetEventsArgDescriptor.SIGMASK_SZ, 8); // _NSIG / 8
        scratch.putInt(SCRATCH_ARG + GetEventsArgDescriptor.PAD, 0);
        scratch.putLong(SCRATCH_ARG + GetEventsArgDescriptor.TS, scratchAddress + SCRATCH_TIMESPEC);
    }

    /**
     * Creates the eventfd and the scratch block.
     *
     * @return the waker.
     * @throws IOException when eventfd or malloc fails, with the reason; nothing is left open then.
     */
    static UringWaker open() throws IOException
    {
        final int fd = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException("eventfd failed: " + Errno.name(-fd));
        }
        final long scratch = Linux.malloc(SCRATCH_SIZE);
        if (scratch == 0)
        {
            Linux.close(fd);
            throw new IOException("malloc failed: bytes=" + SCRATCH_SIZE);
        }
        return new UringWaker(fd, scratch);
    }

    /** @return the eventfd, for the internal read kept in the ring. */
    int fd()
    {
        return fd;
    }

    /** @return the 8-byte buffer of the internal read. */
    long readAddress()
    {
        return scratchAddress + SCRATCH_WAKE_READ;
    }

    /**
     * Sets the timeout of the next GETEVENTS wait.
     *
     * @return the address of the {@code io_uring_getevents_arg} (its size: {@link GetEventsArgDescriptor#SIZE}).
     */
    long timeout(final long timeoutNs)
    {
        scratch.putLong(SCRATCH_TIMESPEC + GetEventsArgDescriptor.TIMESPEC_TV_SEC, timeoutNs / 1_000_000_000L);
        scratch.putLong(SCRATCH_TIMESPEC + GetEventsArgDescriptor.TIMESPEC_TV_NSEC, timeoutNs % 1_000_000_000L);
        return scratchAddress + SCRATCH_ARG;
    }

    /** Any thread: writes the eventfd, unless the backend is closed. */
    void wakeup()
    {
        wakers.incrementAndGet();
        try
        {
            // closed is checked inside the wakers window: close() waits for wakers == 0 before closing the fd,
            // so the descriptor cannot be closed (and its number reused) under this write
            if (!closed)
            {
                write();
            }
        }
        finally
        {
            wakers.decrementAndGet();
        }
    }

    /** Agent: writes the eventfd (the close ends the internal read this way). */
    void write()
    {
        Linux.write(fd, scratchAddress + SCRATCH_WAKE_ONE, 8);
    }

    /** No wakeup writes from now on; waits for those under way (a few instructions each). */
    void closing()
    {
        closed = true;
        while (wakers.get() != 0)
        {
            Thread.onSpinWait();
        }
    }

    /**
     * Closes the eventfd, and frees the scratch block unless the kernel may still write into it.
     *
     * @param free false when requests (the internal read among them) may still be in the kernel.
     */
    void close(final boolean free)
    {
        Linux.close(fd);
        if (free)
        {
            Linux.free(scratchAddress);
        }
    }
}
