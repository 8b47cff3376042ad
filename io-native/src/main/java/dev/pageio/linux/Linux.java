package dev.pageio.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The system calls pageio uses, with the kernel's convention: a result &ge; 0, or {@code -errno}.
 * Thread-safe; allocation-free.
 */
public final class Linux
{
    /** mmap: pages may be read. */
    public static final int PROT_READ = 1;
    /** mmap: pages may be written. */
    public static final int PROT_WRITE = 2;
    /** mmap: share the mapping. */
    public static final int MAP_SHARED = 1;
    /** mmap: populate page tables. */
    public static final int MAP_POPULATE = 0x8000;
    /** eventfd: non-blocking. */
    public static final int EFD_NONBLOCK = 04000;
    /** eventfd: close on exec. */
    public static final int EFD_CLOEXEC = 02000000;
    /** memfd_create: close on exec. */
    public static final int MFD_CLOEXEC = 1;

    private Linux()
    {
    }

    private static long result(final long r)
    {
        return r == -1 ? -Native.getLastError() : r;
    }

    /**
     * See man 2 syscall.
     *
     * @param nr the system call number ({@link Arch}).
     * @param a1 the first argument.
     * @param a2 the second argument.
     * @param a3 the third argument.
     * @param a4 the fourth argument.
     * @param a5 the fifth argument.
     * @param a6 the sixth argument.
     * @return the result or -errno.
     */
    public static long syscall(final long nr, final long a1, final long a2, final long a3, final long a4,
        final long a5, final long a6)
    {
        return result(LibC.syscall(nr, a1, a2, a3, a4, a5, a6));
    }

    /**
     * See man 2 open.
     *
     * @param path the path.
     * @param flags the flags, as the man page gives them.
     * @param mode the permission bits for a file created.
     * @return the descriptor or -errno.
     */
    public static int open(final String path, final int flags, final int mode)
    {
        return (int)result(LibC.open(path, flags, mode));
    }

    /**
     * See man 2 close.
     *
     * @param fd the file descriptor.
     * @return 0 or -errno.
     */
    public static int close(final int fd)
    {
        return (int)result(LibC.close(fd));
    }

    /**
     * See man 2 pread.
     *
     * @param fd the file descriptor.
     * @param address the native address of the memory.
     * @param count the number of bytes.
     * @param offset the file offset in bytes.
     * @return bytes or -errno.
     */
    public static long pread(final int fd, final long address, final long count, final long offset)
    {
        return result(LibC.pread(fd, address, count, offset));
    }

    /**
     * See man 2 pwrite.
     *
     * @param fd the file descriptor.
     * @param address the native address of the memory.
     * @param count the number of bytes.
     * @param offset the file offset in bytes.
     * @return bytes or -errno.
     */
    public static long pwrite(final int fd, final long address, final long count, final long offset)
    {
        return result(LibC.pwrite(fd, address, count, offset));
    }

    /**
     * See man 2 read.
     *
     * @param fd the file descriptor.
     * @param address the native address of the memory.
     * @param count the number of bytes.
     * @return bytes or -errno.
     */
    public static long read(final int fd, final long address, final long count)
    {
        return result(LibC.read(fd, address, count));
    }

    /**
     * See man 2 write.
     *
     * @param fd the file descriptor.
     * @param address the native address of the memory.
     * @param count the number of bytes.
     * @return bytes or -errno.
     */
    public static long write(final int fd, final long address, final long count)
    {
        return result(LibC.write(fd, address, count));
    }

    /**
     * See man 2 fsync.
     *
     * @param fd the file descriptor.
     * @return 0 or -errno.
     */
    public static int fsync(final int fd)
    {
        return (int)result(LibC.fsync(fd));
    }

    /**
     * See man 2 fdatasync.
     *
     * @param fd the file descriptor.
     * @return 0 or -errno.
     */
    public static int fdatasync(final int fd)
    {
        return (int)result(LibC.fdatasync(fd));
    }

    /**
     * See man 2 ftruncate.
     *
     * @param fd the file descriptor.
     * @param length the length in bytes.
     * @return 0 or -errno.
     */
    public static int ftruncate(final int fd, final long length)
    {
        return (int)result(LibC.ftruncate(fd, length));
    }

    /**
     * See man 2 fstatfs.
     *
     * @param fd  the file descriptor.
     * @param buf the address of a struct statfs (glibc's layout on 64-bit Linux, 120 bytes: every field a
     *            64-bit word except {@code f_fsid}, two ints).
     * @return 0 or -errno.
     */
    public static int fstatfs(final int fd, final long buf)
    {
        return (int)result(LibC.fstatfs(fd, buf));
    }

    /**
     * See man 2 lseek.
     *
     * @param fd the file descriptor.
     * @param offset the file offset in bytes.
     * @param whence SEEK_SET, SEEK_CUR or SEEK_END.
     * @return the offset or -errno.
     */
    public static long lseek(final int fd, final long offset, final int whence)
    {
        return result(LibC.lseek(fd, offset, whence));
    }

    /**
     * See man 2 mmap.
     *
     * @param address the native address of the memory.
     * @param length the length in bytes.
     * @param prot PROT_ bits.
     * @param flags the flags, as the man page gives them.
     * @param fd the file descriptor.
     * @param offset the file offset in bytes.
     * @return the address, or -errno (never MAP_FAILED).
     */
    public static long mmap(final long address, final long length, final int prot, final int flags, final int fd,
        final long offset)
    {
        return result(LibC.mmap(address, length, prot, flags, fd, offset));
    }

    /**
     * See man 2 munmap.
     *
     * @param address the native address of the memory.
     * @param length the length in bytes.
     * @return 0 or -errno.
     */
    public static int munmap(final long address, final long length)
    {
        return (int)result(LibC.munmap(address, length));
    }

    /**
     * See man 2 eventfd.
     *
     * @param initval the counter's initial value.
     * @param flags the flags, as the man page gives them.
     * @return the descriptor or -errno.
     */
    public static int eventfd(final int initval, final int flags)
    {
        return (int)result(LibC.eventfd(initval, flags));
    }

    /**
     * See man 2 memfd_create.
     *
     * @param name the name, for /proc and debugging.
     * @param flags the flags, as the man page gives them.
     * @return the descriptor or -errno.
     */
    public static int memfdCreate(final String name, final int flags)
    {
        return (int)result(LibC.memfd_create(name, flags));
    }

    /**
     * See man 2 pipe2.
     *
     * @param fds address of an int[2].
     * @param flags the flags, as the man page gives them.
     * @return 0 or -errno.
     */
    public static int pipe2(final long fds, final int flags)
    {
        return (int)result(LibC.pipe2(fds, flags));
    }

    /**
     * See man 2 fallocate.
     *
     * @param fd the file descriptor.
     * @param mode the permission bits for a file created.
     * @param offset the file offset in bytes.
     * @param length the length in bytes.
     * @return 0 or -errno.
     */
    public static int fallocate(final int fd, final int mode, final long offset, final long length)
    {
        return (int)syscall(Arch.SYS_FALLOCATE, fd, mode, offset, length, 0, 0);
    }

    /**
     * See man 3 malloc.
     *
     * @param size the number of bytes.
     * @return the address, or 0 when out of memory.
     */
    public static long malloc(final long size)
    {
        return LibC.malloc(size);
    }

    /**
     * See man 3 posix_memalign.
     *
     * @param resultAddress address of a void*.
     * @param alignment the alignment, a power of two multiple of the pointer size.
     * @param size the number of bytes.
     * @return 0 or -errno.
     */
    public static int posixMemalign(final long resultAddress, final long alignment, final long size)
    {
        return -LibC.posix_memalign(resultAddress, alignment, size);
    }

    /**
     * See man 3 free.
     *
     * @param address the native address of the memory.
     */
    public static void free(final long address)
    {
        LibC.free(address);
    }

    /**
     * See man 3 memset.
     *
     * @param address the native address of the memory.
     * @param value the byte value.
     * @param count the number of bytes.
     */
    public static void memset(final long address, final int value, final long count)
    {
        LibC.memset(address, value, count);
    }

    /**
     * The base address of a direct buffer (its byte 0, whatever its position), with one native call and no
     * allocation.
     *
     * @param buffer a direct buffer.
     * @return its address.
     * @throws IllegalArgumentException when the buffer is not direct.
     */
    public static long address(final ByteBuffer buffer)
    {
        if (!buffer.isDirect())
        {
            throw new IllegalArgumentException("buffer is not direct: the kernel needs a native address: buffer=" + buffer);
        }
        for (int attempt = 0; attempt < 16; attempt++)
        {
            final int before = buffer.position();
            final long address = LibC.memmove(buffer, 0L, 0L);
            // JNA passes a direct buffer's address plus its position (measured: JNA 5.17 on JDK 17): take the
            // position off, and retry if another thread moved it meanwhile, so the base is never misread
            if (buffer.position() == before)
            {
                return address - (JNA_ADDS_POSITION ? before : 0);
            }
        }
        throw new IllegalStateException("buffer position keeps changing under another thread: buffer=" + buffer);
    }

    /** True when JNA adds a Buffer argument's position to its address (probed once, on a private buffer). */
    private static final boolean JNA_ADDS_POSITION = probeAddsPosition();

    private static boolean probeAddsPosition()
    {
        final ByteBuffer probe = ByteBuffer.allocateDirect(2);
        final long base = LibC.memmove(probe, 0L, 0L);
        probe.position(1);
        return LibC.memmove(probe, 0L, 0L) == base + 1;
    }

    /**
     * A direct buffer over native memory the caller owns (a mapped ring, a malloc'd table). The buffer does not
     * free the memory.
     *
     * @param address the start.
     * @param length  bytes.
     * @return a direct buffer in native byte order.
     */
    public static ByteBuffer wrap(final long address, final int length)
    {
        return new Pointer(address).getByteBuffer(0, length).order(ByteOrder.nativeOrder());
    }
}
