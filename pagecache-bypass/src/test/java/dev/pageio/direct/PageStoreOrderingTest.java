package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The page/log ordering API of {@link PageStore} on the real kernel: write sequence numbers, barriers covering a
 * given sequence number, and page writes issued only after a log commit (or any barrier) succeeded.
 */
class PageStoreOrderingTest
{
    private Path dir;

    @BeforeEach
    void setUp() throws Exception
    {
        dir = TestFiles.ext4Dir("ordering");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(dir);
    }

    private static final IoHandler<CompletableFuture<Long>> DONE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final CompletableFuture<Long> f, final long token)
        {
            f.complete(result);
        }

        @Override
        public void failed(final IoFailure failure, final CompletableFuture<Long> f, final long token)
        {
            f.completeExceptionally(failure);
        }
    };

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldNumberPageWritesAndCoverAGivenSequenceNumber() throws Exception
    {
        try (PageStore store = PageStore.open(dir.resolve("pages"), PageStoreConfig.builder().build()))
        {
            store.grow(4);
            final ByteBuffer a = store.buffers().acquire();
            final ByteBuffer b = store.buffers().acquire();
            final CompletableFuture<Long> wa = new CompletableFuture<>();
            final CompletableFuture<Long> wb = new CompletableFuture<>();
            final long seqA = store.writePage(0, a, DONE, wa, 0);
            final long seqB = store.writePage(1, b, DONE, wb, 0);
            assertTrue(seqA >= 1 && seqB == seqA + 1, "seqA=" + seqA + " seqB=" + seqB);
            assertEquals(seqB, store.lastWriteSeq());
            assertEquals(seqA, store.barrierCovering(seqA).get(30, TimeUnit.SECONDS));
            assertTrue(wa.isDone(), "the covered write completed before its barrier");
            assertEquals(seqB, store.barrierCovering(seqB).get(30, TimeUnit.SECONDS));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> store.barrierCovering(seqB + 1));
            assertTrue(e.getMessage().startsWith("seq not issued: seq=" + (seqB + 1) + " lastWriteSeq=" + seqB),
                e.getMessage());
            wb.get(30, TimeUnit.SECONDS);
            store.buffers().release(a);
            store.buffers().release(b);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldIssueAPageWriteOnlyAfterItsDependencySucceeded() throws Exception
    {
        try (PageStore store = PageStore.open(dir.resolve("pages"), PageStoreConfig.builder().build()))
        {
            store.grow(2);
            final ByteBuffer page = store.buffers().acquire();
            page.put(0, (byte)42);
            final CompletableFuture<Long> dependency = new CompletableFuture<>();
            final long before = store.lastWriteSeq();
            final CompletableFuture<Long> write = store.writePageAfter(dependency, 1, page);
            Thread.sleep(50);
            assertEquals(before, store.lastWriteSeq(), "no write accepted while the dependency is pending");
            assertFalse(write.isDone());
            dependency.complete(1L);
            assertEquals(store.pageSizeBytes(), write.get(30, TimeUnit.SECONDS));
            final ByteBuffer back = store.buffers().acquire();
            store.readPage(1, back).get(30, TimeUnit.SECONDS);
            assertEquals(42, back.get(0));

            final CompletableFuture<Long> failing = new CompletableFuture<>();
            final long beforeFail = store.lastWriteSeq();
            final CompletableFuture<Long> notIssued = store.writePageAfter(failing, 0, page);
            failing.completeExceptionally(new IOException("log sync failed"));
            final ExecutionException e = assertThrows(ExecutionException.class, () -> notIssued.get(30,
                TimeUnit.SECONDS));
            final IoFailure f = assertInstanceOf(IoFailure.class, e.getCause());
            assertEquals(Errno.ECANCELED, f.errno());
            assertEquals(beforeFail, store.lastWriteSeq(), "the page was not written");
            store.buffers().release(page);
            store.buffers().release(back);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldWriteAPageOnlyOnceItsLogRecordIsDurable() throws Exception
    {
        try (LogFile log = LogFile.open(dir.resolve("log"), LogConfig.builder().segmentBytes(1 << 20).build());
             PageStore store = PageStore.open(dir.resolve("pages"), PageStoreConfig.builder().build()))
        {
            store.grow(8);
            final AtomicLong violations = new AtomicLong();
            final CompletableFuture<?>[] writes = new CompletableFuture<?>[8];
            final ByteBuffer[] pages = new ByteBuffer[8];
            for (int p = 0; p < 8; p++)
            {
                final long lsn = log.append(ByteBuffer.wrap(new byte[] {(byte)p}));
                pages[p] = store.buffers().acquire();
                writes[p] = store.writePageAfter(log, lsn, p, pages[p]).thenRun(() ->
                {
                    if (log.durableLsn() <= lsn)
                    {
                        violations.incrementAndGet();
                    }
                });
            }
            CompletableFuture.allOf(writes).get(30, TimeUnit.SECONDS);
            assertEquals(0, violations.get(), "a page was written before its log record was durable");
            store.barrier().get(30, TimeUnit.SECONDS);
            for (final ByteBuffer b : pages)
            {
                store.buffers().release(b);
            }
        }
    }
}
