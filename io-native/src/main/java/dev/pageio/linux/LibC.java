package dev.pageio.linux;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

import java.nio.Buffer;

/**
 * libc through JNA direct mapping: primitive parameters only, addresses as {@code long}, no
 * {@code Structure}/{@code Pointer} on any call. Each method returns what libc returns; on failure the
 * errno is {@link Native#getLastError()} (use {@link Linux}'s wrappers, which return {@code -errno}).
 */
final class LibC
{
    static
    {
        Native.register(LibC.class, NativeLibrary.getInstance("c"));
    }

    private LibC()
    {
    }

    /** See man 2 syscall. Returns the result, or -1 with errno set. */
    static native long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    /** See man 2 open. */
    static native int open(String path, int flags, int mode);

    /** See man 2 close. */
    static native int close(int fd);

    /** See man 2 pread. */
    static native long pread(int fd, long address, long count, long offset);

    /** See man 2 pwrite. */
    static native long pwrite(int fd, long address, long count, long offset);

    /** See man 2 read. */
    static native long read(int fd, long address, long count);

    /** See man 2 write. */
    static native long write(int fd, long address, long count);

    /** See man 2 fsync. */
    static native int fsync(int fd);

    /** See man 2 fdatasync. */
    static native int fdatasync(int fd);

    /** See man 2 ftruncate. */
    static native int ftruncate(int fd, long length);

    /** See man 2 fstatfs; {@code buf} is the address of a struct statfs (120 bytes on 64-bit Linux). */
    static native int fstatfs(int fd, long buf);

    /** See man 2 lseek. */
    static native long lseek(int fd, long offset, int whence);

    /** See man 2 mmap. Returns the address, or MAP_FAILED (-1). */
    static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    /** See man 2 munmap. */
    static native int munmap(long address, long length);

    /** See man 2 eventfd. */
    static native int eventfd(int initval, int flags);

    /** See man 2 memfd_create. */
    static native int memfd_create(String name, int flags);

    /** See man 2 pipe2; {@code fds} is the address of an int[2]. */
    static native int pipe2(long fds, int flags);

    /** See man 3 posix_memalign; {@code result} is the address of a void*. Returns 0 or an errno value. */
    static native int posix_memalign(long result, long alignment, long size);

    /** See man 3 malloc. */
    static native long malloc(long size);

    /** See man 3 free. */
    static native void free(long address);

    /** See man 3 memset. */
    static native long memset(long address, int value, long count);

    /**
     * See man 3 memmove. With {@code count} 0 it copies nothing and returns {@code dest}: JNA passes a direct
     * buffer's base address for a {@link Buffer} parameter, so this reads that address without allocating.
     */
    static native long memmove(Buffer dest, long src, long count);
}
