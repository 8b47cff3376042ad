package dev.pageio.direct;

import dev.pageio.core.QueueFullException;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The blocking I/O of the log's own threads (open, recovery, segment preparation, sealing, {@link LogReader}):
 * submit through the ring and wait, with a deadline. A full ring is back-pressure, not a failure: the submission
 * is retried until the deadline (a shared ring may be full of other files' requests), so it never poisons the
 * log. Never from the ring's agent thread (it would wait for itself).
 */
final class LogIo
{
    /** How long one blocking step of the log may take before it fails. */
    static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private LogIo()
    {
    }

    /**
     * @param submit submits the request and returns its future; may throw {@link QueueFullException}.
     * @param what   the step, for messages ({@code "write seal: segment=3"}).
     * @return the request's result.
     * @throws IOException the request's failure, or a timeout naming {@code what}.
     */
    static long await(final Supplier<CompletableFuture<Long>> submit, final String what) throws IOException
    {
        final long deadline = System.nanoTime() + TIMEOUT_NS;
        CompletableFuture<Long> f;
        while (true)
        {
            try
            {
                f = submit.get();
                break;
            }
            catch (final QueueFullException e)
            {
                if (System.nanoTime() - deadline >= 0)
                {
                    throw new IOException(what + " refused: the ring stayed full for timeoutNs=" + TIMEOUT_NS, e);
                }
                LockSupport.parkNanos(100_000);
                if (Thread.interrupted())
                {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted: " + what);
                }
            }
        }
        try
        {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException e)
        {
            throw e.getCause() instanceof IOException ? (IOException)e.getCause() :
                new IOException(what + " failed", e.getCause());
        }
        catch (final TimeoutException e)
        {
            throw new IOException(what + " timed out: timeoutNs=" + TIMEOUT_NS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + what);
        }
    }
}
