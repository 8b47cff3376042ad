package dev.pageio.core.threads;

import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;

import java.util.Objects;

/**
 * The portable engine: positional {@code FileChannel} (or descriptor) I/O on a bounded pool of worker threads,
 * the analogue of glibc's thread-simulated POSIX AIO. Works on any OS and filesystem; chosen when neither
 * io_uring nor kernel AIO is allowed.
 */
public final class ThreadEngine implements IoEngine
{
    /** The engine's name. */
    public static final String NAME = "threads";

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public int priority()
    {
        return 100;
    }

    @Override
    public String unavailableCause()
    {
        return null;
    }

    @Override
    public RingBackend openBackend(final BackendConfig config)
    {
        return new ThreadBackend(config, null);
    }

    /**
     * A thread backend nested in another engine's backend, for the files that engine cannot drive itself (kernel
     * AIO: buffered files). Driven by the outer backend on the same agent; its workers call {@code wakeup} after
     * each completion so that the outer backend's blocking wait returns. Workers start at the first request.
     *
     * @param config the ring's configuration (queue depth, worker threads, name).
     * @param wakeup the outer backend's wakeup: any thread.
     * @return the backend.
     */
    public static RingBackend openNested(final BackendConfig config, final Runnable wakeup)
    {
        return new ThreadBackend(config, Objects.requireNonNull(wakeup, "wakeup"));
    }

    /**
     * {@link #openNested(BackendConfig, Runnable)} with a ring's configuration.
     *
     * @param config the ring's configuration (queue depth, worker threads, name).
     * @param wakeup the outer backend's wakeup: any thread.
     * @return the backend.
     */
    public static RingBackend openNested(final RingConfig config, final Runnable wakeup)
    {
        return openNested(config.backendConfig(), wakeup);
    }
}
