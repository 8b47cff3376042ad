package dev.pageio.linux;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.FileAccess;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * A file opened with {@code open(2)}: a descriptor the kernel engines use directly, and blocking
 * pread/pwrite/fsync for the thread engine. Subclasses (O_DIRECT files) add alignment.
 *
 * <p>Blocking methods: any thread. {@link #close()}: once every request on the file has completed.
 */
public class FdFileAccess extends FileAccess
{
    private final int fd;
    private final int flags;
    private volatile boolean closed;

    /**
     * @param path  the file's path.
     * @param fd    an open descriptor, now owned by this object.
     * @param flags the flags it was opened with.
     */
    protected FdFileAccess(final Path path, final int fd, final int flags)
    {
        super(path);
        this.fd = fd;
        this.flags = flags;
    }

    /**
     * Opens a file with open(2) and {@code O_CLOEXEC}.
     *
     * @param path       the file.
     * @param options    {@link StandardOpenOption}s: READ, WRITE, CREATE, CREATE_NEW, TRUNCATE_EXISTING, DSYNC,
     *                   SYNC (others are refused).
     * @param extraFlags flags to add, e.g. {@link Arch#O_DIRECT}.
     * @return the open file.
     * @throws IOException naming the path and errno when open(2) fails.
     */
    public static FdFileAccess open(final Path path, final Set<? extends OpenOption> options, final int extraFlags)
        throws IOException
    {
        final int flags = openFlags(options) | extraFlags;
        final int fd = Linux.open(path.toString(), flags, 0644);
        if (fd < 0)
        {
            throw new IOException("open failed: " + Errno.name(-fd) + " path=" + path + " flags=0" +
                Integer.toOctalString(flags));
        }
        return new FdFileAccess(path, fd, flags);
    }

    /**
     * Opens a file O_DIRECT, for {@code ExtendedOpenOption.DIRECT} on any engine: the alignment is the file
     * system's block size ({@link java.nio.file.FileStore#getBlockSize()}, statvfs {@code f_bsize}), the same
     * number the JDK's own direct {@code FileChannel} requires, and at least the device's logical block size, so
     * requests are checked at the call against it (offsets, lengths and buffer addresses).
     *
     * @param path    the file.
     * @param options as for {@link #open}, without DIRECT.
     * @return the open file, reporting its alignment.
     * @throws IOException naming the path and errno when open(2) fails (EINVAL: the file system has no O_DIRECT).
     */
    public static FdFileAccess openDirect(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        final int flags = openFlags(options) | Arch.O_DIRECT;
        final int fd = Linux.open(path.toString(), flags, 0644);
        if (fd < 0)
        {
            throw new IOException("open O_DIRECT failed: " + Errno.name(-fd) + " path=" + path + " flags=0" +
                Integer.toOctalString(flags) + (-fd == Errno.EINVAL ? " (the file system does not take O_DIRECT)" : ""));
        }
        final long blockSize;
        try
        {
            blockSize = Files.getFileStore(path).getBlockSize();
        }
        catch (final IOException | RuntimeException e)
        {
            Linux.close(fd);
            throw e;
        }
        final int alignment = blockSize >= 512 && blockSize <= (1 << 16) && Long.bitCount(blockSize) == 1 ?
            (int)blockSize : 4096;
        return new FdFileAccess(path, fd, flags)
        {
            @Override
            public int offsetAlignment()
            {
                return alignment;
            }

            @Override
            public int memoryAlignment()
            {
                return alignment;
            }
        };
    }

    /**
     * @param options {@link StandardOpenOption}s.
     * @return the open(2) flags, with O_CLOEXEC.
     */
    public static int openFlags(final Set<? extends OpenOption> options)
    {
        final boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND);
        final boolean read = options.contains(StandardOpenOption.READ) || !write;
        int flags = read && write ? Arch.O_RDWR : write ? Arch.O_WRONLY : Arch.O_RDONLY;
        flags |= Arch.O_CLOEXEC;
        for (final OpenOption option : options)
        {
            if (!(option instanceof StandardOpenOption))
            {
                throw new IllegalArgumentException("unsupported open option: option=" + option);
            }
            switch ((StandardOpenOption)option)
            {
                case READ:
                case WRITE:
                    break;
                case CREATE:
                    flags |= Arch.O_CREAT;
                    break;
                case CREATE_NEW:
                    flags |= Arch.O_CREAT | Arch.O_EXCL;
                    break;
                case TRUNCATE_EXISTING:
                    flags |= Arch.O_TRUNC;
                    break;
                case DSYNC:
                    flags |= Arch.O_DSYNC;
                    break;
                case SYNC:
                    flags |= Arch.O_SYNC;
                    break;
                default:
                    throw new IllegalArgumentException("unsupported open option: option=" + option +
                        " supported=READ,WRITE,CREATE,CREATE_NEW,TRUNCATE_EXISTING,DSYNC,SYNC");
            }
        }
        return flags;
    }

    @Override
    public final int fd()
    {
        return fd;
    }

    /** @return the open(2) flags. */
    public final int flags()
    {
        return flags;
    }

    @Override
    public boolean direct()
    {
        return (flags & Arch.O_DIRECT) != 0;
    }

    @Override
    public boolean syncWrites()
    {
        return (flags & Arch.O_DSYNC) != 0;
    }

    private static void checkBounds(final ByteBuffer buffer, final int bufferPosition, final int length)
    {
        if (bufferPosition < 0 || length < 0 || bufferPosition > buffer.capacity() - length)
        {
            throw new IndexOutOfBoundsException("buffer range out of bounds: position=" + bufferPosition +
                " length=" + length + " capacity=" + buffer.capacity());
        }
    }

    @Override
    public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        checkBounds(buffer, bufferPosition, length);
        final long n = Linux.pread(fd, Linux.address(buffer) + bufferPosition, length, fileOffset);
        if (n < 0)
        {
            throw new IOException("pread failed: " + Errno.name((int)-n) + " path=" + path() + " fd=" + fd);
        }
        return (int)n;
    }

    @Override
    public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        checkBounds(buffer, bufferPosition, length);
        final long n = Linux.pwrite(fd, Linux.address(buffer) + bufferPosition, length, fileOffset);
        if (n < 0)
        {
            throw new IOException("pwrite failed: " + Errno.name((int)-n) + " path=" + path() + " fd=" + fd);
        }
        return (int)n;
    }

    @Override
    public void sync(final boolean metadata) throws IOException
    {
        final int r = metadata ? Linux.fsync(fd) : Linux.fdatasync(fd);
        if (r < 0)
        {
            throw new IOException((metadata ? "fsync" : "fdatasync") + " failed: " + Errno.name(-r) + " path=" +
                path() + " fd=" + fd);
        }
    }

    @Override
    public long size() throws IOException
    {
        final long r = Linux.lseek(fd, 0, 2 /* SEEK_END */);
        if (r < 0)
        {
            throw new IOException("lseek failed: " + Errno.name((int)-r) + " path=" + path() + " fd=" + fd);
        }
        return r;
    }

    @Override
    public synchronized void close() throws IOException
    {
        if (!closed)
        {
            closed = true;
            final int r = Linux.close(fd);
            if (r < 0)
            {
                throw new IOException("close failed: " + Errno.name(-r) + " path=" + path() + " fd=" + fd);
            }
        }
    }
}
