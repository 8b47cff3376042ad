package dev.pageio.lucene;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Static helpers of the directory's files: aligned sizes and buffers, and a ring future awaited as an IOException. */
final class IoSupport
{
    private IoSupport()
    {
    }

    /**
     * Waits for {@code future} at most {@link PendingIo#TIMEOUT_NS}.
     *
     * @param future what to wait for.
     * @param what   named in the exception.
     * @throws IOException when it failed (its cause), timed out, or the wait was interrupted.
     */
    static void await(final CompletableFuture<?> future, final String what) throws IOException
    {
        try
        {
            future.get(PendingIo.TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException e)
        {
            final Throwable cause = e.getCause();
            throw new IOException(what + " failed: " + cause.getMessage(), cause);
        }
        catch (final TimeoutException e)
        {
            throw new IOException(what + " timed out: timeoutNs=" + PendingIo.TIMEOUT_NS, e);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + " interrupted");
        }
    }

    static int alignUp(final int value, final int alignment)
    {
        return (value + alignment - 1) & -alignment;
    }

    static long alignUp(final long value, final int alignment)
    {
        return (value + alignment - 1) & -(long)alignment;
    }

    /** @return a direct buffer of exactly {@code bytes} whose address is a multiple of {@code alignment}. */
    static ByteBuffer allocateAligned(final int bytes, final int alignment)
    {
        final int unit = Math.max(alignment, 1);
        return ByteBuffer.allocateDirect(bytes + unit).alignedSlice(unit).limit(bytes).slice();
    }
}
