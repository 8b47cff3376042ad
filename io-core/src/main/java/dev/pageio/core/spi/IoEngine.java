package dev.pageio.core.spi;

import java.io.IOException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * An engine: a way of doing asynchronous I/O (io_uring, kernel AIO, a thread pool). Engines are found with
 * {@link java.util.ServiceLoader}; automatic selection takes the available one of highest
 * {@link #priority()}. An engine instance may also be handed to {@code IoRing.open(RingConfig, IoEngine)}
 * directly (a test's simulated device, an engine built with its own settings), registered or not.
 */
public interface IoEngine
{
    /** @return the name used in configuration and reports: {@code "io_uring"}, {@code "aio"}, {@code "threads"}. */
    String name();

    /** @return higher is preferred by automatic selection (io_uring 300, aio 200, threads 100). */
    int priority();

    /**
     * Probes once (the answer is cached).
     *
     * @return null when the engine can be used here, else why not (e.g. {@code "io_uring_setup: EPERM"}).
     */
    String unavailableCause();

    /** @return true when {@link #unavailableCause()} is null. */
    default boolean available()
    {
        return unavailableCause() == null;
    }

    /**
     * @param config what the backend reads of the ring's configuration.
     * @return a new backend, owned by the caller.
     * @throws IOException when the kernel refuses the context.
     */
    RingBackend openBackend(BackendConfig config) throws IOException;

    /**
     * Refuses a file this engine cannot serve, before it is put on a ring (kernel AIO: files not opened
     * O_DIRECT, on which io_submit would block). Accepts everything by default.
     *
     * @param file the file.
     * @throws IllegalArgumentException naming the path and the rule.
     */
    default void checkFile(final FileAccess file)
    {
    }

    /**
     * Opens a file in the way this engine needs (a descriptor for kernel engines).
     *
     * @param path    the file.
     * @param options {@link java.nio.file.StandardOpenOption}s.
     * @return the open file.
     * @throws IOException as the operating system reported it.
     */
    default FileAccess openFile(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        return new ChannelFileAccess(path, options);
    }
}
