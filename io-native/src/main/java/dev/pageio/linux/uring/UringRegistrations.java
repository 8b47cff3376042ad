package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * What a {@link UringBackend} registers with its ring (man 3 io_uring_register): fixed buffers, fixed files and the
 * completion eventfd, with the lookups {@code prepare} makes (a binary search over the registered buffers, a table
 * by descriptor for the files; no allocation).
 *
 * <p>Threading: the ring agent only. The backend checks that it is open and, for buffers and files, that no request
 * is in flight, before it calls in here.
 */
final class UringRegistrations
{
    private final UringRing ring;
    private long[] fixedStarts = new long[0];
    private long[] fixedEnds = new long[0];
    private int[] fixedIndexes = new int[0];
    private ByteBuffer[] fixedBuffers = new ByteBuffer[0];
    private FileAccess[] fixedFiles = new FileAccess[0];
    private int[] fixedFileByFd = new int[0];
    private int completionFd = -1;

    UringRegistrations(final UringRing ring)
    {
        this.ring = ring;
    }

    /**
     * Registers buffers (IORING_REGISTER_BUFFERS): later READ/WRITE requests whose range lies inside one of
     * them use READ_FIXED/WRITE_FIXED (found by binary search, no allocation). The buffers stay referenced until
     * {@link #unregisterBuffers()} or close.
     *
     * @param buffers direct buffers.
     * @return 0, or -errno from the kernel (e.g. -ENOMEM over RLIMIT_MEMLOCK).
     */
    int registerBuffers(final ByteBuffer... buffers)
    {
        if (fixedBuffers.length > 0)
        {
            throw new IllegalStateException("buffers already registered: count=" + fixedBuffers.length);
        }
        final int count = buffers.length;
        final long table = Linux.malloc(Math.max(1, (long)count * IovecDescriptor.SIZE));
        try
        {
            final ByteBuffer t = Linux.wrap(table, Math.max(1, count * IovecDescriptor.SIZE));
            final long[] starts = new long[count];
            final Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++)
            {
                if (!buffers[i].isDirect() || buffers[i].capacity() == 0)
                {
                    throw new IllegalArgumentException("registered buffer must be direct and not empty: index=" + i);
                }
                starts[i] = Linux.address(buffers[i]);
                t.putLong(i * IovecDescriptor.SIZE + IovecDescriptor.BASE, starts[i]);
                t.putLong(i * IovecDescriptor.SIZE + IovecDescriptor.LEN, buffers[i].capacity());
                order[i] = i;
            }
            final int r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_REGISTER_BUFFERS, table, count);
            if (r < 0)
            {
                return r;
            }
            Arrays.sort(order, (a, b) -> Long.compare(starts[a], starts[b]));
            fixedStarts = new long[count];
            fixedEnds = new long[count];
            fixedIndexes = new int[count];
            for (int i = 0; i < count; i++)
            {
                fixedStarts[i] = starts[order[i]];
                fixedEnds[i] = starts[order[i]] + buffers[order[i]].capacity();
                fixedIndexes[i] = order[i];
            }
            fixedBuffers = buffers.clone();
            return 0;
        }
        finally
        {
            Linux.free(table);
        }
    }

    /** Unregisters the buffers. Agent thread, with no request in flight. @return 0 or -errno. */
    int unregisterBuffers()
    {
        if (fixedBuffers.length == 0)
        {
            return 0;
        }
        final int r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_UNREGISTER_BUFFERS, 0, 0);
        fixedStarts = new long[0];
        fixedEnds = new long[0];
        fixedIndexes = new int[0];
        fixedBuffers = new ByteBuffer[0];
        return r;
    }

    int fixedBufferIndex(final long address, final long length)
    {
        final long[] starts = fixedStarts;
        int low = 0;
        int high = starts.length - 1;
        int found = -1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            if (starts[mid] <= address)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found >= 0 && address + length <= fixedEnds[found] ? fixedIndexes[found] : -1;
    }

    /**
     * Registers files (IORING_REGISTER_FILES): later requests on one of them (the same {@link FileAccess}
     * object, not merely the same descriptor number) carry IOSQE_FIXED_FILE. Agent thread, with no request in
     * flight; unregister before closing a registered file.
     *
     * @param files open files with descriptors.
     * @return 0, or -errno from the kernel.
     */
    int registerFiles(final FileAccess... files)
    {
        if (fixedFiles.length > 0)
        {
            throw new IllegalStateException("files already registered: count=" + fixedFiles.length);
        }
        final long table = Linux.malloc(Math.max(4, 4L * files.length));
        try
        {
            final ByteBuffer t = Linux.wrap(table, Math.max(4, 4 * files.length));
            int maxFd = -1;
            for (int i = 0; i < files.length; i++)
            {
                final int fd = files[i].fd();
                if (fd < 0)
                {
                    throw new IllegalArgumentException("file without descriptor: file=" + files[i]);
                }
                t.putInt(4 * i, fd);
                maxFd = Math.max(maxFd, fd);
            }
            final int r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_REGISTER_FILES, table, files.length);
            if (r < 0)
            {
                return r;
            }
            final int[] byFd = new int[maxFd + 1];
            Arrays.fill(byFd, -1);
            for (int i = 0; i < files.length; i++)
            {
                byFd[files[i].fd()] = i;
            }
            fixedFileByFd = byFd;
            fixedFiles = files.clone();
            return 0;
        }
        finally
        {
            Linux.free(table);
        }
    }

    /** Unregisters the files. Agent thread, with no request in flight. @return 0 or -errno. */
    int unregisterFiles()
    {
        if (fixedFiles.length == 0)
        {
            return 0;
        }
        final int r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_UNREGISTER_FILES, 0, 0);
        fixedFiles = new FileAccess[0];
        fixedFileByFd = new int[0];
        return r;
    }

    int fixedFileIndex(final Request request)
    {
        final int fd = request.fd;
        if (fd >= fixedFileByFd.length || request.file == null)
        {
            return -1;
        }
        final int index = fixedFileByFd[fd];
        return index >= 0 && fixedFiles[index] == request.file ? index : -1;
    }

    /**
     * An eventfd the kernel signals whenever it posts a completion (IORING_REGISTER_EVENTFD), for an
     * application's epoll loop: readable means "call the ring's poll()". Created and registered on the first
     * call; closed by {@link #close()} (remove it from any epoll set first).
     *
     * @return the eventfd.
     * @throws IllegalStateException when the kernel refuses.
     */
    int completionEventFd()
    {
        if (completionFd < 0)
        {
            final int fd = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
            if (fd < 0)
            {
                throw new IllegalStateException("eventfd failed: errno=" + Errno.name(-fd));
            }
            final long arg = Linux.malloc(4);
            if (arg == 0)
            {
                Linux.close(fd);
                throw new IllegalStateException("malloc failed: bytes=4");
            }
            final int r;
            try
            {
                Linux.wrap(arg, 4).putInt(0, fd);
                r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_REGISTER_EVENTFD, arg, 1);
            }
            finally
            {
                Linux.free(arg);
            }
            if (r < 0)
            {
                Linux.close(fd);
                throw new IllegalStateException("IORING_REGISTER_EVENTFD failed: errno=" + Errno.name(-r));
            }
            completionFd = fd;
        }
        return completionFd;
    }

    /** @return the registered buffers (kept reachable while the kernel may use them). */
    ByteBuffer[] buffers()
    {
        return fixedBuffers;
    }

    /** Closes the completion eventfd and forgets the registrations; the ring's close unregisters them. */
    void close()
    {
        if (completionFd >= 0)
        {
            Linux.close(completionFd);
            completionFd = -1;
        }
        fixedBuffers = new ByteBuffer[0];
        fixedFiles = new FileAccess[0];
    }
}
