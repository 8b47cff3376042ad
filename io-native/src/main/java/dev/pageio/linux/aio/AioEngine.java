package dev.pageio.linux.aio;

import com.sun.nio.file.ExtendedOpenOption;
import dev.pageio.core.RingConfig;
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

/**
 * The kernel AIO engine ({@code io_setup/io_submit/io_getevents/io_cancel/io_destroy}, no libaio): name
 * {@code "aio"}, priority 200. See {@link AioBackend} for how a context is driven.
 *
 * <p><b>O_DIRECT files only.</b> Kernel AIO is asynchronous only for files opened O_DIRECT; on a buffered file
 * io_submit performs the I/O synchronously and would stall the ring agent and every request behind it. This
 * engine therefore refuses buffered files rather than silently blocking: {@link #openFile} requires
 * {@link ExtendedOpenOption#DIRECT} among the options (and opens with O_DIRECT), {@link #checkFile} refuses a
 * file not opened O_DIRECT with an {@link IllegalArgumentException} naming the path and the rule, and the backend
 * completes a request on such a file with -EINVAL without handing it to the kernel. Buffered files belong on the
 * thread engine.
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

    /** @return true: this engine takes only files opened O_DIRECT (see the class comment). */
    public boolean requiresDirectFiles()
    {
        return true;
    }

    /**
     * Refuses a file this engine cannot drive without blocking: one without a descriptor or not opened O_DIRECT.
     *
     * @param file the file about to be used on an aio ring.
     * @throws IllegalArgumentException naming the path and the rule.
     */
    @Override
    public void checkFile(final FileAccess file)
    {
        requireDirect(file);
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
    public RingBackend openBackend(final RingConfig config) throws IOException
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
     * Opens a file with O_DIRECT. {@link ExtendedOpenOption#DIRECT} must be among the options: a buffered file
     * is refused (see the class comment).
     *
     * @throws IllegalArgumentException when DIRECT is missing, naming the path and the rule.
     */
    @Override
    public FileAccess openFile(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        if (!options.contains(ExtendedOpenOption.DIRECT))
        {
            throw new IllegalArgumentException("aio engine needs O_DIRECT files: kernel AIO blocks in io_submit " +
                "on buffered files: path=" + path + " options=" + options +
                "; add ExtendedOpenOption.DIRECT or use engine=threads");
        }
        final Set<OpenOption> rest = new HashSet<>(options);
        rest.remove(ExtendedOpenOption.DIRECT);
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
