package dev.pageio.linux.aio;

/**
 * A few idle kernel AIO contexts kept for reuse, process-wide. {@code io_destroy} waits for two RCU grace
 * periods before it returns (fs/aio.c: kill_ioctx, then the percpu_ref of the context's users and of its
 * requests); measured on Linux 6.18 here: io_setup + io_destroy take about 27 ms, against microseconds for the
 * rest of opening and closing a ring. A backend closed with nothing in the kernel hands its context here (its
 * ring drained, its wakeup POLL canceled and reaped), and the next backend asking for the same nr_events takes
 * it instead of calling io_setup. At most {@link #MAX_IDLE} contexts wait here (the most recently closed); each is counted in fs.aio-nr
 * until the process exits, when the kernel destroys it.
 *
 * <p>Thread-safe (synchronized: called only when a ring opens or closes).
 */
final class AioContextPool
{
    /** The most idle contexts kept. */
    static final int MAX_IDLE = 4;

    private static final int[] NR_EVENTS = new int[MAX_IDLE];
    private static final long[] CONTEXTS = new long[MAX_IDLE];
    private static int idle;
    private static long reused;

    private AioContextPool()
    {
    }

    /**
     * @param nrEvents the nr_events the context was set up with.
     * @return an idle context set up with {@code nrEvents}, now owned by the caller, or 0.
     */
    static synchronized long take(final int nrEvents)
    {
        for (int i = 0; i < idle; i++)
        {
            if (NR_EVENTS[i] == nrEvents)
            {
                final long ctx = CONTEXTS[i];
                idle--;
                NR_EVENTS[i] = NR_EVENTS[idle];
                CONTEXTS[i] = CONTEXTS[idle];
                reused++;
                return ctx;
            }
        }
        return 0;
    }

    /**
     * Keeps an idle context; when the pool is full the oldest one leaves it, for the caller to destroy.
     *
     * @param nrEvents the nr_events the context was set up with.
     * @param ctx      a context with nothing in flight and an empty ring; the pool owns it now.
     * @return the context the caller must destroy, or 0.
     */
    static synchronized long give(final int nrEvents, final long ctx)
    {
        long evicted = 0;
        if (idle == MAX_IDLE)
        {
            evicted = CONTEXTS[0];
            System.arraycopy(NR_EVENTS, 1, NR_EVENTS, 0, MAX_IDLE - 1);
            System.arraycopy(CONTEXTS, 1, CONTEXTS, 0, MAX_IDLE - 1);
            idle--;
        }
        NR_EVENTS[idle] = nrEvents;
        CONTEXTS[idle] = ctx;
        idle++;
        return evicted;
    }

    /** @return how many contexts were taken from the pool instead of set up. */
    static synchronized long reused()
    {
        return reused;
    }

    /** @return idle contexts now in the pool. */
    static synchronized int idle()
    {
        return idle;
    }
}
