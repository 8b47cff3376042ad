package dev.pageio.linux.aio;

import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.DirectOpenOption;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;

import java.io.IOException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The kernel AIO engine ({@code io_setup/io_submit/io_getevents/io_cancel/io_destroy}, no libaio): name
 * {@code "aio"}, priority 200. See {@link AioBackend} for how a context is driven.
 *
 * <p><b>Buffered files go to the thread engine's path.</b> Kernel AIO is asynchronous only for files opened
 * O_DIRECT; on a buffered file io_submit performs the I/O synchronously and would stall the ring agent and every
 * request behind it. So a file not opened O_DIRECT ({@link #openFile} without {@code ExtendedOpenOption.DIRECT},
 * or adopted) is accepted, and its requests never reach io_submit: the backend serves them through a nested thread
 * backend on the same agent (same handlers, barriers, close; see {@link AioBackend}). The first such file is
 * logged once (WARNING, with {@link #BUFFERED_REASON}). This keeps the README's buffered
 * {@code ring.open(path, READ, WRITE, CREATE)} working when {@code engine("auto")} falls back to aio because
 * io_uring is refused (Docker's default seccomp profile, {@code kernel.io_uring_disabled}).
 *
 * <p><b>Probe</b> (once, cached): io_setup/io_destroy of a one-event context ({@link #unavailableCause()} is
 * e.g. {@code "io_setup: ENOSYS"} or {@code "io_setup: EPERM"} under seccomp), whether the kernel runs
 * IOCB_CMD_FDSYNC (Linux 4.18+; elsewhere a syncer thread does fsync/fdatasync) and IOCB_CMD_POLL (Linux
 * 4.18+; used to wake a blocked io_getevents).
 *
 * <p>Thread-safe.
 */
public final class AioEngine implements IoEngine
{
    /** Why a buffered file on an aio ring is served by the thread engine's path (logged once). */
    public static final String BUFFERED_REASON = "kernel AIO is asynchronous only for O_DIRECT files (io_submit " +
        "runs a buffered file's I/O synchronously): buffered files on aio rings are served by the thread engine's " +
        "path (worker threads), O_DIRECT files by the kernel";
    private static final System.Logger LOGGER = System.getLogger(AioEngine.class.getName());
    private static final java.util.concurrent.atomic.AtomicBoolean BUFFERED_LOGGED =
        new AtomicBoolean();

    private volatile AioProbe probe;

    @Override
    public String name()
    {
        return "aio";
    }

    @Override
    public int priority()
    {
        return 200;
    }

    @Override
    public String unavailableCause()
    {
        return probe().cause;
    }

    /** @return true when the kernel runs IOCB_CMD_FSYNC/FDSYNC iocbs (else a syncer thread does the syncs). */
    public boolean kernelSync()
    {
        return probe().kernelSync;
    }

    /** @return true when the kernel runs IOCB_CMD_POLL iocbs (used by {@link AioBackend#wakeup()}). */
    public boolean kernelPoll()
    {
        return probe().kernelPoll;
    }

    /** @return false: buffered files are taken too, and served by the thread engine's path (see the class comment). */
    public boolean requiresDirectFiles()
    {
        return false;
    }

    /**
     * Accepts every file; one not opened O_DIRECT (or without a descriptor) is served by the thread engine's path,
     * logged once.
     *
     * @param file the file about to be used on an aio ring.
     */
    @Override
    public void checkFile(final FileAccess file)
    {
        if (file.fd() < 0 || !file.direct())
        {
            logBufferedOnce(String.valueOf(file.path()));
        }
    }

    private static void logBufferedOnce(final String path)
    {
        if (BUFFERED_LOGGED.compareAndSet(false, true))
        {
            LOGGER.log(System.Logger.Level.WARNING, "pageio aio engine: " + BUFFERED_REASON + ": first path=" + path);
        }
    }

    /**
     * @param file the file.
     * @throws IllegalArgumentException when it has no descriptor or is not open O_DIRECT.
     */
    public static void requireDirect(final FileAccess file)
    {
        if (file.fd() < 0)
        {
            throw new IllegalArgumentException("aio engine needs a file descriptor: path=" + file.path() +
                " access=" + file.getClass().getSimpleName());
        }
        if (!file.direct())
        {
            throw new IllegalArgumentException("aio engine needs O_DIRECT files: kernel AIO blocks in io_submit " +
                "on buffered files: path=" + file.path() + " direct=false; open it with O_DIRECT " +
                "(ExtendedOpenOption.DIRECT) or use engine=threads");
        }
    }

    @Override
    public RingBackend openBackend(final BackendConfig config) throws IOException
    {
        return open(config);
    }

    /**
     * @param config the ring's configuration.
     * @return a new backend with nr_events = queueDepth + 1.
     * @throws IOException when the engine is unavailable or io_setup fails.
     */
    public AioBackend open(final RingConfig config) throws IOException
    {
        return open(config.backendConfig());
    }

    /**
     * @param config what the backend reads of the ring's configuration.
     * @return a new backend with nr_events = queueDepth + 1.
     * @throws IOException when the engine is unavailable or io_setup fails.
     */
    public AioBackend open(final BackendConfig config) throws IOException
    {
        final AioProbe p = probe();
        if (p.cause != null)
        {
            throw new IOException("aio engine unavailable: " + p.cause);
        }
        // nr_events: every request, plus the wakeup POLL
        final int contextEvents = config.queueDepth() + 1;
        return new AioBackend(config, p.kernelSync, p.kernelPoll, AioContext.open(contextEvents, contextEvents));
    }

    /**
     * Opens a file: with O_DIRECT when {@code ExtendedOpenOption.DIRECT} is among the options (served by the kernel),
     * else buffered (served by the thread engine's path, see the class comment).
     */
    @Override
    public FileAccess openFile(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        if (!options.contains(DirectOpenOption.DIRECT))
        {
            logBufferedOnce(String.valueOf(path));
            return FdFileAccess.open(path, options, 0);
        }
        final Set<OpenOption> rest = new HashSet<>(options);
        rest.remove(DirectOpenOption.DIRECT);
        return FdFileAccess.openDirect(path, rest);
    }

    private AioProbe probe()
    {
        AioProbe p = probe;
        if (p == null)
        {
            synchronized (this)
            {
                p = probe;
                if (p == null)
                {
                    p = AioProbe.run();
                    probe = p;
                }
            }
        }
        return p;
    }

    @Override
    public String toString()
    {
        final AioProbe p = probe;
        return "AioEngine{probed=" + (p != null) + (p == null ? "" : " cause=" + p.cause + " kernelSync=" +
            p.kernelSync + " kernelPoll=" + p.kernelPoll) + "}";
    }
}
