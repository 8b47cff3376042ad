package dev.pageio.channel;

import dev.pageio.core.Engines;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.spi.ChannelFileAccess;
import dev.pageio.core.spi.DirectOpenOption;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;

/**
 * How a {@link PageioFileChannel} opens: the JDK's open options read as the JDK reads them, the side
 * {@link FileChannel} (which creates, truncates and checks the file and holds the locks), then the ring's own
 * descriptor (O_DIRECT from whichever engine can open one) adopted by the ring.
 *
 * <p>Threading: any thread; nothing here is shared.
 */
final class ChannelOpener
{
    private ChannelOpener()
    {
    }

    /**
     * Opens a channel; see {@link PageioFileChannel#open(IoRing, Path, Set, ExecutorService, FileAttribute[])}.
     *
     * @param ring     the ring, or null for the default ring.
     * @param file     the file.
     * @param options  as for the JDK; {@code ExtendedOpenOption.DIRECT} for O_DIRECT.
     * @param executor where handlers run; null for the default pool.
     * @param attrs    attributes of a file created by the open.
     * @return the channel.
     * @throws IOException as the JDK's open throws it.
     */
    static PageioFileChannel open(
        final IoRing ring, final Path file, final Set<? extends OpenOption> options, final ExecutorService executor,
        final FileAttribute<?>... attrs) throws IOException
    {
        Objects.requireNonNull(file, "file");
        boolean read = false;
        boolean write = false;
        boolean direct = false;
        boolean deleteOnClose = false;
        final Set<OpenOption> sideOptions = new HashSet<>();
        final Set<OpenOption> ringOptions = new HashSet<>();
        for (final OpenOption option : options)
        {
            if (option == null)
            {
                throw new NullPointerException("open option null: options=" + options);
            }
            if (option == StandardOpenOption.APPEND)
            {
                throw new UnsupportedOperationException("APPEND not allowed: an asynchronous channel has no position");
            }
            if (option == DirectOpenOption.DIRECT)
            {
                direct = true;
                ringOptions.add(option);
            }
            else if (option == StandardOpenOption.DELETE_ON_CLOSE)
            {
                deleteOnClose = true;
                continue; // unlinked after both opens, as the JDK unlinks right after its open
            }
            else if (!(option instanceof StandardOpenOption) && option != LinkOption.NOFOLLOW_LINKS)
            {
                throw new UnsupportedOperationException("open option not supported: option=" + option);
            }
            read |= option == StandardOpenOption.READ;
            write |= option == StandardOpenOption.WRITE;
            if (option == StandardOpenOption.DSYNC || option == StandardOpenOption.SYNC)
            {
                ringOptions.add(option);
            }
            sideOptions.add(option);
        }
        if (!read && !write)
        {
            read = true;
            sideOptions.add(StandardOpenOption.READ);
        }
        if (read)
        {
            ringOptions.add(StandardOpenOption.READ);
        }
        if (write)
        {
            ringOptions.add(StandardOpenOption.WRITE);
        }
        final ExecutorService handlers = executor != null ? executor : DefaultHandlerPool.get();
        final IoRing target = ring != null ? ring : DefaultRings.ringFor(direct);
        // The JDK's own open creates, truncates and checks the file and throws its typed exceptions; the ring's
        // descriptor is then opened on the file that now exists, with only the access mode and sync flags.
        final FileChannel side = FileChannel.open(file, sideOptions, attrs);
        FileAccess access = null;
        try
        {
            final int alignment = direct ? Math.toIntExact(Files.getFileStore(file).getBlockSize()) : 1;
            access = openAccess(target, file, ringOptions, direct);
            final IoFile ioFile;
            try
            {
                ioFile = target.adopt(access);
            }
            catch (final IllegalArgumentException e)
            {
                throw new UnsupportedOperationException("engine refuses the file: engine=" + target.engineName() +
                    " path=" + file + " direct=" + direct + ": " + e.getMessage(), e);
            }
            access = null;
            if (deleteOnClose)
            {
                Files.deleteIfExists(file);
            }
            return new PageioFileChannel(target, ioFile, side, handlers, read, write, alignment);
        }
        catch (final IOException | RuntimeException | Error e)
        {
            closeQuietly(side, e);
            if (access != null)
            {
                closeQuietly(access, e);
            }
            throw e;
        }
    }

    private static FileAccess openAccess(
        final IoRing ring, final Path file, final Set<OpenOption> options, final boolean direct) throws IOException
    {
        final IoEngine engine = ring.selection().engine();
        if (!direct)
        {
            try
            {
                return engine.openFile(file, options);
            }
            catch (final IllegalArgumentException e)
            {
                throw new UnsupportedOperationException("engine refuses the file: engine=" + engine.name() +
                    " path=" + file + " direct=false: " + e.getMessage(), e);
            }
        }
        final FileAccess own = tryOpenDirect(engine, file, options);
        if (own != null)
        {
            return own;
        }
        // io-native's io_uring engine opens descriptors without O_DIRECT (its FdFileAccess refuses the DIRECT
        // option); another engine on the class path that opens O_DIRECT descriptors (aio) opens it instead.
        // The descriptor is a plain open(2) file; which engine opened it does not matter to the ring.
        for (final IoEngine other : Engines.all())
        {
            if (other != engine && other.available())
            {
                final FileAccess access = tryOpenDirect(other, file, options);
                if (access != null && access.fd() >= 0)
                {
                    return access;
                }
                if (access != null)
                {
                    access.close();
                }
            }
        }
        throw new UnsupportedOperationException("no engine opens O_DIRECT descriptors for this ring: engine=" +
            engine.name() + " path=" + file);
    }

    private static FileAccess tryOpenDirect(final IoEngine engine, final Path file, final Set<OpenOption> options)
        throws IOException
    {
        final FileAccess access;
        try
        {
            access = engine.openFile(file, options);
        }
        catch (final IllegalArgumentException | UnsupportedOperationException e)
        {
            return null;
        }
        // A ChannelFileAccess opened with DIRECT is a FileChannel opened O_DIRECT by the JDK.
        if (access.direct() || access instanceof ChannelFileAccess)
        {
            return access;
        }
        access.close();
        return null;
    }

    private static void closeQuietly(final AutoCloseable c, final Throwable primary)
    {
        try
        {
            c.close();
        }
        catch (final Exception e)
        {
            primary.addSuppressed(e);
        }    }
}
