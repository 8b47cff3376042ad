package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * A file opened {@code O_DIRECT | O_CLOEXEC} with open(2) under a {@link DirectIoPolicy}, with the
 * alignment O_DIRECT needs on it discovered at open ({@link #alignment()}). Its descriptor serves every
 * engine; its blocking {@link #read}/{@link #write} (the thread engine's path) check alignment first, so a
 * misaligned request is an {@link IllegalArgumentException}, never an EINVAL from the kernel.
 *
 * <p>Creating the file (CREATE_NEW, or CREATE where it did not exist) also fsyncs its directory, so the
 * name survives a crash once the data does.
 *
 * <p>Threading: every method may be called from any thread; {@link #close()} only once every request on
 * the file has completed.
 */
public final class DirectFile extends FdFileAccess
{
    /** How {@link #preallocate(long, long)} reserved the space. */
    public enum Preallocation
    {
        /** fallocate(2) mode 0: blocks allocated, size extended, nothing written. */
        FALLOCATE,
        /**
         * The filesystem refused fallocate (EOPNOTSUPP): zeros were written past the old end of file. Space
         * inside the old size was left as it was (writing zeros there would destroy data), so holes there
         * stay holes.
         */
        ZERO_FILL
    }

    private static final int ZERO_CHUNK_BYTES = 256 * 1024;

    private final DirectIoPolicy policy;
    private final Alignment alignment;
    private final FileSystemType fileSystem;
    private final String fallbackReason;
    private final boolean created;
    private final NativeOps ops;

    private DirectFile(final Path path, final int fd, final int flags, final DirectIoPolicy policy,
        final Alignment alignment, final FileSystemType fileSystem, final String fallbackReason,
        final boolean created, final NativeOps ops)
    {
        super(path, fd, flags);
        this.policy = policy;
        this.alignment = alignment;
        this.fileSystem = fileSystem;
        this.fallbackReason = fallbackReason;
        this.created = created;
        this.ops = ops;
    }

    /**
     * Opens a file under a direct-I/O policy.
     *
     * @param path    the file.
     * @param options {@link StandardOpenOption}s: READ, WRITE, CREATE, CREATE_NEW, TRUNCATE_EXISTING, DSYNC, SYNC.
     * @param policy  what to do about O_DIRECT.
     * @return the open file; {@link #direct()} says whether O_DIRECT is in effect.
     * @throws IOException naming the path and errno when open(2) fails, and, under
     *                     {@link DirectIoPolicy#REQUIRED}, the filesystem when it refuses O_DIRECT.
     */
    public static DirectFile open(final Path path, final Set<? extends OpenOption> options,
        final DirectIoPolicy policy) throws IOException
    {
        return open(path, options, policy, NativeOps.LINUX);
    }

    static DirectFile open(final Path path, final Set<? extends OpenOption> options, final DirectIoPolicy policy,
        final NativeOps ops) throws IOException
    {
        Arch.requireSupported();
        if (policy == null)
        {
            throw new IllegalArgumentException("policy is null: policy=null allowed=REQUIRED,OPTIONAL,DISABLED");
        }
        final int flags = openFlags(options);
        final boolean createNew = options.contains(StandardOpenOption.CREATE_NEW);
        final boolean mayCreate = createNew || options.contains(StandardOpenOption.CREATE);
        final boolean existed = !createNew && mayCreate && Files.exists(path);

        int fd = -1;
        String fallbackReason = null;
        if (policy != DirectIoPolicy.DISABLED)
        {
            fd = ops.open(path.toString(), flags | Arch.O_DIRECT, 0644);
            if (fd == -Errno.EINVAL)
            {
                // The kernel refuses O_DIRECT in do_dentry_open() (no FMODE_CAN_ODIRECT), after O_CREAT has
                // created the file: remove what this call created, so a refusal leaves nothing behind.
                final String fsName = fileSystemName(path);
                if (mayCreate && !existed)
                {
                    Files.deleteIfExists(path);
                }
                final String why = "filesystem refuses O_DIRECT: path=" + path + " filesystem=" + fsName +
                    " errno=" + Errno.name(Errno.EINVAL);
                if (policy == DirectIoPolicy.REQUIRED)
                {
                    throw new IOException(why + " policy=REQUIRED");
                }
                fallbackReason = why;
            }
            else if (fd < 0)
            {
                throw openFailed(path, flags | Arch.O_DIRECT, fd);
            }
        }
        final boolean direct = fd >= 0;
        if (!direct)
        {
            fd = ops.open(path.toString(), flags, 0644);
            if (fd < 0)
            {
                throw openFailed(path, flags, fd);
            }
        }
        try
        {
            final FileSystemType fs = FileSystemType.of(fd);
            final Alignment alignment = direct ? AlignmentDiscovery.discover(fd, fs) : Alignment.NONE;
            final boolean created = createNew || (mayCreate && !existed);
            final DirectFile file = new DirectFile(path, fd, direct ? flags | Arch.O_DIRECT : flags, policy,
                alignment, fs, fallbackReason, created, ops);
            if (created)
            {
                file.syncParentDirectory();
            }
            return file;
        }
        catch (final IOException | RuntimeException e)
        {
            Linux.close(fd);
            throw e;
        }
    }

    private static IOException openFailed(final Path path, final int flags, final int r)
    {
        return new IOException("open failed: path=" + path + " errno=" + Errno.name(-r) + " flags=0" +
            Integer.toOctalString(flags));
    }

    /** The filesystem's name at a path, through an O_PATH descriptor (no read or write access needed). */
    private static String fileSystemName(final Path path)
    {
        Path target = path;
        int fd = Linux.open(target.toString(), Arch.O_PATH | Arch.O_CLOEXEC, 0);
        if (fd < 0 && path.toAbsolutePath().getParent() != null)
        {
            target = path.toAbsolutePath().getParent();
            fd = Linux.open(target.toString(), Arch.O_PATH | Arch.O_CLOEXEC, 0);
        }
        if (fd < 0)
        {
            return "unknown(" + Errno.name(-fd) + ")";
        }
        try
        {
            return FileSystemType.of(fd).name();
        }
        catch (final IllegalStateException e)
        {
            return "unknown";
        }
        finally
        {
            Linux.close(fd);
        }
    }

    /**
     * fsyncs a directory, so that entries created or renamed in it survive a crash.
     *
     * @param directory the directory.
     * @throws IOException naming the directory and errno.
     */
    public static void syncDirectory(final Path directory) throws IOException
    {
        final int fd = Linux.open(directory.toString(), Arch.O_RDONLY | Arch.O_DIRECTORY | Arch.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new IOException("open directory failed: path=" + directory + " errno=" + Errno.name(-fd));
        }
        try
        {
            final int r = Linux.fsync(fd);
            if (r < 0)
            {
                throw new IOException("fsync directory failed: path=" + directory + " errno=" + Errno.name(-r));
            }
        }
        finally
        {
            Linux.close(fd);
        }
    }

    /**
     * fsyncs the directory holding this file.
     *
     * @throws IOException naming the directory and errno.
     */
    public void syncParentDirectory() throws IOException
    {
        final Path parent = path().toAbsolutePath().getParent();
        syncDirectory(parent == null ? path().toAbsolutePath() : parent);
    }

    /** @return the alignment O_DIRECT needs on this file; {@link Alignment#NONE} when it is buffered. */
    public Alignment alignment()
    {
        return alignment;
    }

    /** @return the policy it was opened with. */
    public DirectIoPolicy policy()
    {
        return policy;
    }

    /**
     * @return why an {@link DirectIoPolicy#OPTIONAL} open fell back to buffered I/O (path, filesystem, errno),
     * or null when it did not.
     */
    public String fallbackReason()
    {
        return fallbackReason;
    }

    /** @return the filesystem holding the file. */
    public FileSystemType fileSystem()
    {
        return fileSystem;
    }

    /** @return true when this open created the file (and synced its directory). */
    public boolean created()
    {
        return created;
    }

    @Override
    public int offsetAlignment()
    {
        return alignment.offsetAlignment();
    }

    @Override
    public int memoryAlignment()
    {
        return alignment.memoryAlignment();
    }

    /**
     * Checks a request against this file's alignment.
     *
     * @param fileOffset     the request's offset in the file.
     * @param length         the request's length in bytes.
     * @param buffer         the request's buffer (direct, for its address).
     * @param bufferPosition where in the buffer the transfer starts.
     * @throws IllegalArgumentException naming the value and the alignment.
     */
    public void checkAlignment(final long fileOffset, final int length, final ByteBuffer buffer,
        final int bufferPosition)
    {
        alignment.check(fileOffset, length, buffer, bufferPosition);
    }

    @Override
    public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        alignment.check(fileOffset, length, buffer, bufferPosition);
        return super.read(buffer, bufferPosition, length, fileOffset);
    }

    @Override
    public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        alignment.check(fileOffset, length, buffer, bufferPosition);
        return super.write(buffer, bufferPosition, length, fileOffset);
    }

    /**
     * Sets the file's size with ftruncate(2): shrinking drops data past it, growing adds a hole.
     *
     * @param sizeBytes the new size, &ge; 0.
     * @throws IOException naming the errno.
     */
    public void truncate(final long sizeBytes) throws IOException
    {
        if (sizeBytes < 0)
        {
            throw new IllegalArgumentException("size negative: size=" + sizeBytes);
        }
        final int r = Linux.ftruncate(fd(), sizeBytes);
        if (r < 0)
        {
            throw new IOException("ftruncate failed: path=" + path() + " size=" + sizeBytes + " errno=" +
                Errno.name(-r));
        }
    }

    /**
     * Reserves blocks for a range with fallocate(2) mode 0, extending the size when the range ends past it;
     * later writes there cannot fail with ENOSPC. Where the filesystem refuses fallocate (EOPNOTSUPP, or
     * ENOSYS where a sandbox hides it) zeros are written past the old end of file instead, and the answer says
     * so. On an O_DIRECT file the range must be aligned to {@link Alignment#offsetAlignment()}.
     *
     * @param fileOffset the start, &ge; 0.
     * @param length     bytes, &gt; 0.
     * @return how the space was reserved.
     * @throws IOException naming the errno (ENOSPC, EFBIG…).
     */
    public Preallocation preallocate(final long fileOffset, final long length) throws IOException
    {
        if (fileOffset < 0 || length <= 0 || fileOffset > Long.MAX_VALUE - length)
        {
            throw new IllegalArgumentException("preallocation range invalid: offset=" + fileOffset + " length=" +
                length);
        }
        final int align = alignment.offsetAlignment();
        if ((fileOffset & (align - 1)) != 0 || (length & (align - 1)) != 0)
        {
            throw new IllegalArgumentException("preallocation range not aligned: offset=" + fileOffset +
                " length=" + length + " alignment=" + align);
        }
        final int r = ops.fallocate(fd(), 0, fileOffset, length);
        if (r == 0)
        {
            return Preallocation.FALLOCATE;
        }
        if (r != -Errno.EOPNOTSUPP && r != -Errno.ENOSYS)
        {
            throw new IOException("fallocate failed: path=" + path() + " offset=" + fileOffset + " length=" +
                length + " errno=" + Errno.name(-r));
        }
        zeroFill(fileOffset, fileOffset + length);
        return Preallocation.ZERO_FILL;
    }

    private void zeroFill(final long fileOffset, final long end) throws IOException
    {
        final long size = size();
        final long start = Math.max(fileOffset, size);
        if (start >= end)
        {
            return;
        }
        final int align = alignment.offsetAlignment();
        if ((start & (align - 1)) != 0)
        {
            throw new IOException("fallocate unsupported and zero fill impossible: the file size is not aligned: " +
                "path=" + path() + " size=" + size + " alignment=" + align);
        }
        final int chunk = (int)Math.min(ZERO_CHUNK_BYTES, end - start);
        final ByteBuffer slot = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        final int r = Linux.posixMemalign(Linux.address(slot), Math.max(alignment.memoryAlignment(), 4096), chunk);
        if (r < 0)
        {
            throw new IOException("posix_memalign failed: size=" + chunk + " errno=" + Errno.name(-r));
        }
        final long address = slot.getLong(0);
        try
        {
            Linux.memset(address, 0, chunk);
            long offset = start;
            while (offset < end)
            {
                final long n = Linux.pwrite(fd(), address, Math.min(chunk, end - offset), offset);
                if (n <= 0)
                {
                    throw new IOException("zero fill failed: path=" + path() + " offset=" + offset + " errno=" +
                        (n == 0 ? "none (0 bytes written)" : Errno.name((int)-n)));
                }
                offset += n;
            }
        }
        finally
        {
            Linux.free(address);
        }
    }

    @Override
    public String toString()
    {
        return "DirectFile{path=" + path() + " fd=" + fd() + " direct=" + direct() + " policy=" + policy +
            " filesystem=" + fileSystem.name() + " " + alignment + (fallbackReason == null ? "" :
            " fallback=" + fallbackReason) + "}";
    }
}
