package dev.pageio.linux.aio;

import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.core.threads.ThreadEngine;
import dev.pageio.linux.LocalCompletions;

/**
 * The thread engine's path inside an {@link AioBackend}, for requests on files not opened O_DIRECT (io_submit would
 * run their I/O synchronously and block the ring): a thread backend nested here ({@link ThreadEngine#openNested}),
 * created at the first such request, whose workers wake the aio backend's wait. The same agent reaps both.
 *
 * <p>Threading: the ring agent only, except {@link #requests()} (any thread, for monitoring: a plain read).
 */
final class AioBufferedPath
{
    private final BackendConfig config;
    private final Runnable wakeup;
    private final LocalCompletions.Release release;
    /** Created at the first request on a buffered file. */
    private RingBackend backend;
    private long requests;
    /** The sink of the reap under way: a completion first gives the aio backend's slot back. */
    private CompletionSink reapSink;
    private final CompletionSink sink = new CompletionSink()
    {
        @Override
        public void complete(final Request request, final long result)
        {
            reapSink.complete(release.release(request.index), result);
        }

        @Override
        public void cancelResult(final Request request, final int result)
        {
            reapSink.cancelResult(request, result);
        }
    };

    /**
     * @param config  the ring's configuration, for the nested backend.
     * @param wakeup  wakes the aio backend's wait (a worker finished a request).
     * @param release gives the aio backend's slot of a request back, returning the request.
     */
    AioBufferedPath(final BackendConfig config, final Runnable wakeup, final LocalCompletions.Release release)
    {
        this.config = config;
        this.wakeup = wakeup;
        this.release = release;
    }

    /** @return true when the nested backend took the request, false when it is full. */
    boolean prepare(final Request request)
    {
        if (backend == null)
        {
            backend = ThreadEngine.openNested(config, wakeup);
        }
        if (!backend.prepare(request))
        {
            return false;
        }
        requests++;
        return true;
    }

    void submit()
    {
        if (backend != null)
        {
            backend.submit();
        }
    }

    /** @return the completions delivered to {@code to}. */
    int reap(final CompletionSink to)
    {
        if (backend == null)
        {
            return 0;
        }
        reapSink = to;
        final int count = backend.reap(sink);
        reapSink = null;
        return count;
    }

    /** Answered (and, when canceled, completed with -ECANCELED) by the nested backend's next reap. */
    void cancel(final Request request)
    {
        backend.cancel(request);
    }

    /** @return the failure of the nested backend's close (a worker still blocked), or null. */
    RuntimeException close()
    {
        if (backend == null)
        {
            return null;
        }
        try
        {
            backend.close();
            return null;
        }
        catch (final RuntimeException e)
        {
            return e;
        }
    }

    /** @return requests served here so far. */
    long requests()
    {
        return requests;
    }
}
