package dev.pageio.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The benchmark's file: created and filled with pseudo-random data on first use (once; a later run with the
 * same or a smaller {@code --size} reuses it), so reads hit allocated blocks, never holes.
 */
public final class TestFile
{
    private static final int CHUNK = 1 << 20;

    private TestFile()
    {
    }

    /**
     * Makes sure the file holds at least {@code sizeBytes}.
     *
     * @param file      the path.
     * @param sizeBytes the bytes the workload uses.
     * @param log       where a one-line note goes when the file is filled.
     * @throws IOException as the file system reported it.
     */
    public static void prepare(final Path file, final long sizeBytes, final PrintStream log) throws IOException
    {
        final long existing = Files.exists(file) ? Files.size(file) : -1;
        if (existing >= sizeBytes)
        {
            return;
        }
        log.printf("pageio-bench: filling %s to %s with random data (once)%n", file, ByteSizeConverter.format(sizeBytes));
        final long startNs = System.nanoTime();
        final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        Buffers.fillRandom(chunk, 0x5eed);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE))
        {
            long offset = Math.max(existing, 0);
            long n = 0;
            while (offset < sizeBytes)
            {
                // vary each megabyte so no two are equal (dedup or compression below would flatter reads)
                chunk.putLong(0, offset ^ 0x9E3779B97F4A7C15L);
                chunk.putLong(CHUNK / 2, ++n);
                chunk.clear().limit((int)Math.min(CHUNK, sizeBytes - offset));
                while (chunk.hasRemaining())
                {
                    offset += ch.write(chunk, offset);
                }
            }
            ch.force(true);
        }
        log.printf("pageio-bench: filled in %.1f s%n", (System.nanoTime() - startNs) / 1e9);
    }
}
