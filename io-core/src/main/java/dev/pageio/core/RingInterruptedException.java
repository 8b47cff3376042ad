package dev.pageio.core;

/**
 * A blocking call of the ring's API was interrupted ({@link Thread#interrupt()}) while it waited: a submit waiting
 * for a free slot or for the barrier window (back-pressure), a {@link BatchMode#WAIT} batch, a close, a wait for a
 * future. It is thrown at once, and the thread's interrupt status is kept set, so that the caller's own loop sees
 * it too. What was already submitted goes on: a WAIT batch's members complete on their own, a close continues in
 * the background ({@link IoRing#terminated()}), a submit that was waiting queued nothing. (The waits that declare
 * it, {@link IoRequest#awaitAny} and its siblings, throw {@link InterruptedException} instead, as aio_suspend
 * answers EINTR.)
 */
public final class RingInterruptedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message names the wait and the ring. */
    public RingInterruptedException(final String message)
    {
        super(message);
    }

    /** Throws when the current thread is interrupted, keeping its status. @param what the wait, for the message. */
    static void check(final String what)
    {
        if (Thread.currentThread().isInterrupted())
        {
            throw new RingInterruptedException("interrupted while waiting: " + what);
        }
    }
}
