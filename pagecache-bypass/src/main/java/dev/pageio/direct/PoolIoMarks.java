package dev.pageio.direct;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The in-flight marks of a {@link PageStore}'s I/O on its pool's buffers ({@link AlignedBufferPool#ioStarted},
 * {@link AlignedBufferPool#ioEnded}): a buffer is marked while a future-returning read or write uses it, so that the
 * pool refuses (CHECKED) or defers (FAST) its release until the I/O ended. A buffer that is not the pool's is not
 * marked.
 *
 * <p>Threading: the submitting thread; the marks end on whichever thread completes the future.
 */
final class PoolIoMarks
{
    private PoolIoMarks()
    {
    }

    /**
     * Runs {@code io} with {@code buffer} marked in flight in {@code pool} while it runs (when it is a pool
     * buffer), so that the pool refuses (CHECKED) or defers (FAST) its release until the I/O ended. The
     * handler-based methods mark through {@link PoolMarkedHandlers}, which allocates nothing per I/O.
     */
    static CompletableFuture<Long> tracked(final AlignedBufferPool pool, final ByteBuffer buffer,
        final Supplier<CompletableFuture<Long>> io)
    {
        if (!pool.ioStarted(buffer))
        {
            return io.get();
        }
        final CompletableFuture<Long> f;
        try
        {
            f = io.get();
        }
        catch (final RuntimeException e)
        {
            pool.ioEnded(buffer);
            throw e;
        }
        return f.whenComplete((bytes, error) -> pool.ioEnded(buffer));
    }

    /**
     * {@link #tracked} for a run of buffers: each of {@code buffers} that is the pool's is marked while {@code io}
     * runs.
     */
    static CompletableFuture<Long> trackedAll(final AlignedBufferPool pool, final ByteBuffer[] buffers,
        final Supplier<CompletableFuture<Long>> io)
    {
        final boolean[] marked = new boolean[buffers.length];
        for (int i = 0; i < buffers.length; i++)
        {
            marked[i] = pool.ioStarted(buffers[i]);
        }
        final Runnable ended = () ->
        {
            for (int i = 0; i < buffers.length; i++)
            {
                if (marked[i])
                {
                    pool.ioEnded(buffers[i]);
                }
            }
        };
        try
        {
            return io.get().whenComplete((bytes, error) -> ended.run());
        }
        catch (final RuntimeException e)
        {
            ended.run();
            throw e;
        }
    }
}
