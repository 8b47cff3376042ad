package dev.pageio.lucene.bench;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/**
 * Bytes of files resident in the page cache, with mincore(2) over a read-only mapping (mapping and mincore
 * fault nothing in), as fincore(1) counts them. See man 2 mincore: one byte per page, bit 0 set when resident.
 */
final class PageCacheResidency
{
    static
    {
        Native.register("c");
    }

    private static final int PAGE_BYTES = 4096;

    /** See man 2 mincore; returns 0 or -1 (errno in JNA's last error). */
    private static native int mincore(Pointer addr, long length, byte[] vec);

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
