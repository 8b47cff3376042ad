package dev.pageio.core.threads;

import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;

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
    public RingBackend openBackend(final RingConfig config)
    {
        return new ThreadBackend(config);
    }
}
