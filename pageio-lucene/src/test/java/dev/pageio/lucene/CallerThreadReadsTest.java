package dev.pageio.lucene;

import dev.pageio.core.IoOp;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A random read a platform thread waits for is one {@code pread} on that thread of exactly the aligned blocks that
 * cover it (no hand-off to the ring, no whole window); with {@code callerThreadReads} off the same read is one
 * request through the ring, of the same size; concurrent clones read the right bytes either way; a clone read after
 * its file was closed fails with {@link AlreadyClosedException}.
 */
class CallerThreadReadsTest
{
    private static final int FILE_BYTES = 3 << 20;
    private static final int READS = 2_000;
    private static final int BLOCK = 4096;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    @Timeout(120)
    void shouldReadOnlyTheAlignedBlocksCoveringEachRandomRead(final boolean callerThreadReads) throws IOException
    {
        final byte[] content = content();
        try (PageioDirectory dir = directory(callerThreadReads))
        {
            write(dir, content);
            final long ringReads0 = dir.ring().stats().completed(IoOp.READ);
            final long ringBytes0 = dir.ring().stats().bytesRead();
            long coveringBytes = 0;
            try (IndexInput in = dir.openInput("data", IOContext.RANDOM))
            {
                final Random random = new Random(11);
                final byte[] read = new byte[16 * 1024];
                for (int i = 0; i < READS; i++)
                {
                    final int length = 4096 + random.nextInt(12 * 1024 + 1);
                    // 37 blocks from the last read, or more: every read misses the window the last one left
                    final int position = (i * 37 % 700) * BLOCK + random.nextInt(BLOCK);
                    in.seek(position);
                    in.readBytes(read, 0, length);
                    assertArrayEquals(Arrays.copyOfRange(content, position, position + length),
                        Arrays.copyOf(read, length), "position=" + position + " length=" + length);
                    coveringBytes += (long)(position + length + BLOCK - 1) / BLOCK * BLOCK - position / BLOCK * BLOCK;
                }
            }
            final long ringReads = dir.ring().stats().completed(IoOp.READ) - ringReads0;
            final long ringBytes = dir.ring().stats().bytesRead() - ringBytes0;
            final long reads = callerThreadReads ? dir.callerReads() : ringReads;
            final long bytes = callerThreadReads ? dir.callerReadBytes() : ringBytes;
            assertEquals(callerThreadReads ? 0 : READS, ringReads, "reads through the ring");
            assertEquals(callerThreadReads ? READS : 0, dir.callerReads(), "reads on the calling thread");
            assertTrue(reads <= READS, "at most one read per random read: reads=" + reads);
            assertTrue(bytes <= coveringBytes, "no more than the aligned blocks covering each read: bytes=" + bytes +
                " covering=" + coveringBytes);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    @Timeout(120)
    void shouldReadTheRightBytesFromConcurrentClones(final boolean callerThreadReads) throws Exception
    {
        final byte[] content = content();
        try (PageioDirectory dir = directory(callerThreadReads))
        {
            write(dir, content);
            final ExecutorService pool = Executors.newFixedThreadPool(16);
            try (IndexInput in = dir.openInput("data", IOContext.RANDOM))
            {
                final List<Future<?>> tasks = new ArrayList<>();
                for (int t = 0; t < 16; t++)
                {
                    final long seed = t;
                    tasks.add(pool.submit(() ->
                    {
                        final IndexInput clone = in.clone();
                        final IndexInput slice = in.slice("slice", 12_345, FILE_BYTES - 12_345);
                        final Random random = new Random(seed);
                        final byte[] read = new byte[16 * 1024];
                        for (int i = 0; i < 200; i++)
                        {
                            final int length = 1 + random.nextInt(read.length);
                            final int position = random.nextInt(FILE_BYTES - 12_345 - length);
                            final IndexInput target = (i & 1) == 0 ? clone : slice;
                            final int base = target == clone ? 0 : 12_345;
                            target.seek(position);
                            target.readBytes(read, 0, length);
                            assertArrayEquals(Arrays.copyOfRange(content, base + position, base + position + length),
                                Arrays.copyOf(read, length), "position=" + position + " length=" + length);
                        }
                        return null;
                    }));
                }
                for (final Future<?> task : tasks)
                {
                    task.get(90, TimeUnit.SECONDS);
                }
            }
            finally
            {
                pool.shutdownNow();
            }
            assertEquals(callerThreadReads, dir.callerReads() > 0, "callerReads=" + dir.callerReads());
        }
    }

    @Test
    @Timeout(120)
    void shouldRefuseACloneReadAfterItsFileClosed() throws IOException
    {
        try (PageioDirectory dir = directory(true))
        {
            write(dir, content());
            final IndexInput in = dir.openInput("data", IOContext.RANDOM);
            final IndexInput clone = in.clone();
            in.close();
            clone.seek(FILE_BYTES / 2);
            final AlreadyClosedException e = assertThrows(AlreadyClosedException.class, clone::readByte);
            assertTrue(e.getMessage().contains("data"), e.getMessage());
        }
    }

    private PageioDirectory directory(final boolean callerThreadReads) throws IOException
    {
        return new PageioDirectory(tmp.resolve("index"), FSLockFactory.getDefault(),
            PageioDirectoryConfig.builder().engine("io_uring").callerThreadReads(callerThreadReads).build());
    }

    private static byte[] content()
    {
        final byte[] content = new byte[FILE_BYTES];
        new Random(42).nextBytes(content);
        return content;
    }

    private static void write(final PageioDirectory dir, final byte[] content) throws IOException
    {
        try (IndexOutput out = dir.createOutput("data", IOContext.DEFAULT))
        {
            out.writeBytes(content, content.length);
        }
    }
}
