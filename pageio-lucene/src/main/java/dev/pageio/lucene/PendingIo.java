package dev.pageio.lucene;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One request in flight at a time, awaited by one thread: the completion handler of an {@code IndexInput}'s
 * window or an {@code IndexOutput}'s block. Reused for every request, so the read and write paths allocate
 * nothing per I/O.
 *
 * <p>Protocol (a Dekker pair of volatiles): the waiter writes {@code waiter} then reads {@code state}; the
 * handler writes {@code state} then reads {@code waiter}. Whichever runs second sees the other, so the waiter is
 * either unparked or never parks. The waiter parks with {@link LockSupport#parkNanos}, which releases a virtual
 * thread's carrier (it is never called inside {@code synchronized}).
 *
 * <p>Threading: {@link #begin()}, {@link #await} and {@link #cancelBegin()}: the one owning thread;
 * {@link #completed}/{@link #failed}: the ring's agent thread.
 */
final class PendingIo implements IoHandler<Object>
{
    /** How long a reader or writer waits for one request before giving up with an exception. */
    static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(120);

    private static final int IDLE = 0;
    private static final int IN_FLIGHT = 1;
    private static final int DONE = 2;

    private volatile int state = IDLE;
    private volatile Thread waiter;
    private long result;
    private IoFailure failure;

    /** Marks a request as in flight; call just before submitting it. */
    void begin()
    {
        failure = null;
        result = 0;
        state = IN_FLIGHT;
    }

    /** Undoes {@link #begin()} when the submission threw (the request was never accepted). */
    void cancelBegin()
    {
        state = IDLE;
    }

    /** @return true while a request is in flight or completed but not yet awaited. */
    boolean busy()
    {
        return state != IDLE;
    }

    @Override
    public void completed(final long result, final Object attachment, final long token)
    {
        this.result = result;
        finish();
    }

    @Override
    public void failed(final IoFailure failure, final Object attachment, final long token)
    {
        this.failure = failure;
        finish();
    }

    private void finish()
    {
        state = DONE; // volatile write: publishes result/failure to the waiter's volatile read of state
        final Thread w = waiter;
        if (w != null)
        {
            LockSupport.unpark(w);
        }
    }

    /**
     * Waits for the request in flight, if any.
     *
     * @param what the waiter, for messages only (its {@code toString()} is called only on failure).
     * @return the request's result (bytes), or 0 when none was in flight.
     * @throws IOException the request's {@link IoFailure}, or a timeout or interrupt naming the request.
     */
    long await(final Object what) throws IOException
    {
        if (state == IDLE)
        {
            return 0;
        }
        if (state != DONE)
        {
            waiter = Thread.currentThread();
            final long deadline = System.nanoTime() + TIMEOUT_NS;
            while (state != DONE)
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    waiter = null;
                    throw new IOException("pageio request timed out: " + what + " timeoutNs=" + TIMEOUT_NS);
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted())
                {
                    // The request stays in flight; this object stays busy, so its buffer is not reused.
                    waiter = null;
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted waiting for pageio: " + what);
                }
            }
            waiter = null;
        }
        state = IDLE;
        final IoFailure f = failure;
        if (f != null)
        {
            throw new IOException(what + ": " + f.getMessage(), f);
        }
        return result;
    }
}
