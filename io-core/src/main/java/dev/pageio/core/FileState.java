package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the ring's machinery may touch of one file: its access (descriptor, alignment), its path text for error
 * messages, its {@link BarrierTracker}, the count of requests accepted and not yet completed, and the close hook
 * that runs once the file is closed and that count reaches zero. {@code IoFile} owns one; every {@link Slot} of the
 * file points to it; the agent never sees the {@code IoFile}.
 *
 * <p>Threading: {@link #enter()}, {@link #beginClose()}: any thread. {@link #exit()}: the agent, or a submitter
 * rolling back. The close hook runs on whichever thread takes the count to zero after the close.
 */
final class FileState
{
    /** The closed bit of {@link #countAndClosed}; the bits below it count requests. */
    private static final long CLOSED = 1L << 62;
    private static final VarHandle CLOSE_DONE;

    static
    {
        try
        {
            CLOSE_DONE = MethodHandles.lookup().findVarHandle(FileState.class, "closeDone", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    final FileAccess access;
    final String pathText;
    final int offsetAlignment;
    final int memoryAlignment;
    /** Barrier state (BARRIER.md): write numbering, completed and durable watermarks, poison. */
    final BarrierTracker barriers;
    /**
     * The closed bit and the count of requests accepted and not yet completed, in one word: the last request out
     * after a close is decided by one atomic operation. (With the count and a separate closed flag, a last request
     * could take the count to 0 while the file was open, a close then count itself in and set the flag, and the
     * request read the flag late and close the descriptor under the close barrier: FileCloseStress,
     * FileStateCloseStress.)
     */
    private final AtomicLong countAndClosed = new AtomicLong();
    private final Runnable closeHook;
    @SuppressWarnings("unused") // through CLOSE_DONE
    private volatile int closeDone;

    /**
     * @param access    the open file.
     * @param pathText  its path, for messages.
     * @param barriers  its barrier state.
     * @param closeHook runs once, when the file is closed and its last request has completed.
     */
    FileState(final FileAccess access, final String pathText, final BarrierTracker barriers, final Runnable closeHook)
    {
        this.access = access;
        this.pathText = pathText;
        this.offsetAlignment = Math.max(1, access.offsetAlignment());
        this.memoryAlignment = Math.max(1, access.memoryAlignment());
        this.barriers = barriers;
        this.closeHook = closeHook;
    }

    boolean isClosed()
    {
        return (countAndClosed.get() & CLOSED) != 0;
    }

    void checkOpen()
    {
        if (isClosed())
        {
            throw new ClosedFileException("file closed: path=" + pathText);
        }
    }

    /** Counts in the barrier of close, which is accepted although the file is closed to everything else. */
    void enterForClose()
    {
        countAndClosed.incrementAndGet();
    }

    /** Counts a request in; refused when the file is closed (the count is rolled back first). */
    void enter()
    {
        if ((countAndClosed.getAndIncrement() & CLOSED) != 0)
        {
            exit();
            throw new ClosedFileException("file closed: path=" + pathText);
        }
    }

    /** Counts a request out (agent thread, or a submitter rolling back); the last one after a close closes. */
    void exit()
    {
        // closed, and the count is 0: decided in the same atomic step that took the count down
        if (countAndClosed.decrementAndGet() == CLOSED)
        {
            finishClose();
        }
    }

    /**
     * Closes the file to new requests and counts the close itself in, in one atomic step, so that the last
     * request's {@link #exit()} cannot close the descriptor before the close barrier is queued; the caller ends
     * with {@link #exit()}.
     *
     * @return false when the file was already closed (nothing was counted).
     */
    boolean beginClose()
    {
        while (true)
        {
            final long v = countAndClosed.get();
            if ((v & CLOSED) != 0)
            {
                return false;
            }
            if (countAndClosed.compareAndSet(v, (v + 1) | CLOSED))
            {
                return true;
            }
        }
    }

    private void finishClose()
    {
        if (CLOSE_DONE.compareAndSet(this, 0, 1))
        {
            closeHook.run();
        }
    }

    @Override
    public String toString()
    {
        final long v = countAndClosed.get();
        return "FileState{path=" + pathText + " fd=" + access.fd() + " outstanding=" + (v & ~CLOSED) +
            " closed=" + ((v & CLOSED) != 0) + "}";
    }
}
