package dev.pageio.lucene;

import dev.pageio.core.IoOp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.RandomAccessInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A small file is read whole when its input opens, and random reads of it (the way Lucene's postings writer reads
 * norms back during a flush) cost no more requests; a file above the limit is read in windows, one request per
 * window a random read misses.
 */
class WholeFileReadTest
{
    private static final int FILE_BYTES = 300_000;
    private static final int RANDOM_READS = 20_000;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldReadASmallFileOnceHoweverOftenItIsReadAtRandom(final String engine) throws IOException
    {
        final long reads = randomReads(PageioDirectoryConfig.builder().engine(engine).build());
        assertEquals(1, reads, "one read request: the whole file, when the input opened");
    }

    @Test
    @Timeout(120)
    void shouldReadAFileAboveTheLimitInWindows() throws IOException
    {
        final long reads = randomReads(PageioDirectoryConfig.builder().wholeFileReadMaxBytes(FILE_BYTES - 1).build());
        assertTrue(reads > 100, "random reads across the file miss the window: reads=" + reads);
    }

    @Test
    void shouldRefuseALimitOutOfRange()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> PageioDirectoryConfig.builder().wholeFileReadMaxBytes(-1));
        assertTrue(e.getMessage().contains("wholeFileReadMaxBytes=-1"), e.getMessage());
    }

    /**
     * @return reads made while the file was opened and read at random: requests the ring completed plus
     * {@code pread}s on the calling thread (the test's platform thread makes those, by default).
     */
    private long randomReads(final PageioDirectoryConfig config) throws IOException
    {
        final byte[] content = new byte[FILE_BYTES];
        new Random(42).nextBytes(content);
        try (PageioDirectory dir = new PageioDirectory(tmp, FSLockFactory.getDefault(), config))
        {
            try (IndexOutput out = dir.createOutput("data", IOContext.DEFAULT))
            {
                out.writeBytes(content, content.length);
            }
            final long before = dir.ring().stats().completed(IoOp.READ) + dir.callerReads();
            try (IndexInput in = dir.openInput("data", IOContext.DEFAULT))
            {
                final RandomAccessInput a = in.randomAccessSlice(0, FILE_BYTES);
                final RandomAccessInput b = in.clone().randomAccessSlice(1000, FILE_BYTES - 1000);
                final Random random = new Random(7);
                for (int i = 0; i < RANDOM_READS; i++)
                {
                    final int at = random.nextInt(FILE_BYTES - 1000);
                    assertEquals(content[at], a.readByte(at), "offset=" + at);
                    assertEquals(content[at + 1000], b.readByte(at), "slice offset=" + at);
                }
                final byte[] all = new byte[FILE_BYTES];
                in.readBytes(all, 0, FILE_BYTES);
                assertEquals(ByteBuffer.wrap(content), ByteBuffer.wrap(all));
            }
            return dir.ring().stats().completed(IoOp.READ) + dir.callerReads() - before;
        }
    }
}
