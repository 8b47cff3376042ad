package dev.pageio.lucene.bench;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Bytes of files resident in the page cache, with mincore(2) over a read-only mapping (mapping and mincore
 * fault nothing in), as fincore(1) counts them. See man 2 mincore: one byte per page, bit 0 set when resident.
 * Also drops a file's clean pages from the cache with posix_fadvise(POSIX_FADV_DONTNEED) (man 2 posix_fadvise;
 * pages mapped by a process stay).
 */
final class PageCacheResidency
{
    static
    {
        Native.register("c");
    }

    private static final int PAGE_BYTES = 4096;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    /** include/uapi/linux/fadvise.h. */
    private static final int POSIX_FADV_DONTNEED = 4;

    /** See man 2 mincore; returns 0 or -1 (errno in JNA's last error). */
    private static native int mincore(Pointer addr, long length, byte[] vec);

    /** See man 2 open. */
    private static native int open(String path, int flags);

    /** See man 2 close. */
    private static native int close(int fd);

    /** See man 2 posix_fadvise: returns 0 or an error number (not -1). */
    private static native int posix_fadvise(int fd, long offset, long len, int advice);

    private PageCacheResidency()
    {
    }

    /** @return resident bytes of every regular file directly in {@code dir}. */
    static long residentBytes(final Path dir) throws IOException
    {
        long total = 0;
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                if (Files.isRegularFile(file) && Files.size(file) > 0)
                {
                    total += residentBytesOf(file);
                }
            }
        }
        return total;
    }

    /** @return resident bytes of these files. */
    static long residentBytes(final List<Path> files) throws IOException
    {
        long total = 0;
        for (final Path file : files)
        {
            total += Files.size(file) > 0 ? residentBytesOf(file) : 0;
        }
        return total;
    }

    static long residentBytesOf(final Path file) throws IOException
    {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
        {
            long resident = 0;
            final long size = channel.size();
            for (long at = 0; at < size; at += Integer.MAX_VALUE & -PAGE_BYTES)
            {
                final long length = Math.min(size - at, Integer.MAX_VALUE & -PAGE_BYTES);
                final MappedByteBuffer map = channel.map(FileChannel.MapMode.READ_ONLY, at, length);
                final byte[] vec = new byte[(int)((length + PAGE_BYTES - 1) / PAGE_BYTES)];
                if (mincore(Native.getDirectBufferPointer(map), length, vec) != 0)
                {
                    throw new IOException("mincore failed: path=" + file + " errno=" + Native.getLastError());
                }
                for (final byte b : vec)
                {
                    resident += (b & 1) * PAGE_BYTES;
                }
            }
            return Math.min(resident, size);
        }
    }

    /** Drops the clean, unmapped pages of {@code file} from the page cache (POSIX_FADV_DONTNEED). */
    static void drop(final Path file) throws IOException
    {
        final int fd = open(file.toString(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException("open failed: path=" + file + " errno=" + Native.getLastError());
        }
        try
        {
            final int error = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            if (error != 0)
            {
                throw new IOException("posix_fadvise(DONTNEED) failed: path=" + file + " errno=" + error);
            }
        }
        finally
        {
            close(fd);
        }
    }

    static long directoryBytes(final Path dir) throws IOException
    {
        long total = 0;
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                total += Files.isRegularFile(file) ? Files.size(file) : 0;
            }
        }
        return total;
    }
}
