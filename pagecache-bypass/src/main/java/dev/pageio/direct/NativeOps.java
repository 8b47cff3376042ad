package dev.pageio.direct;

import dev.pageio.linux.Linux;

/**
 * The two system calls whose refusals depend on the filesystem, behind a seam so tests can play a
 * filesystem that refuses O_DIRECT or fallocate when the machine has none at hand. Both return the kernel's
 * convention: a result &ge; 0 or -errno.
 */
interface NativeOps
{
    /** The real system calls. */
    NativeOps LINUX = new NativeOps()
    {
        @Override
        public int open(final String path, final int flags, final int mode)
        {
            return Linux.open(path, flags, mode);
        }

        @Override
        public int fallocate(final int fd, final int mode, final long fileOffset, final long length)
        {
            return Linux.fallocate(fd, mode, fileOffset, length);
        }
    };

    /** See man 2 open. @return a descriptor or -errno. */
    int open(String path, int flags, int mode);

    /** See man 2 fallocate. @return 0 or -errno. */
    int fallocate(int fd, int mode, long fileOffset, long length);
}
