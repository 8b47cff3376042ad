package dev.pageio.testing;

import dev.pageio.core.BatchFailedException;
import dev.pageio.core.BatchMode;
import dev.pageio.core.CancelOutcome;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.IoStatus;
import dev.pageio.core.QueueFullException;
import dev.pageio.core.RingConfig;
import dev.pageio.core.RingInterruptedException;
import dev.pageio.core.spi.DirectOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The POSIX AIO contract (aio_fsync, lio_listio, aio_suspend, aio_cancel, O_APPEND; man 3 of each) as
 * {@link IoRequest} and {@link IoRing#submitBatch} carry it, held on every engine: a subclass names the engine,
 * the directory and how a file is opened, as for {@link EngineConformanceTest}; the ring, directory and helpers are
 * {@link EngineConformanceBase}'s.
 */
public abstract class PosixAioConformanceTest extends EngineConformanceBase
{
    /** @return {@link EngineConformanceBase#config()} with the rings named for this suite. */
    @Override
    protected RingConfig.Builder config()
    {
        return super.config().name("posix-" + engine());
    }

    /** Runs before {@link EngineConformanceBase}'s close: an interrupt a test left set must not break the close. */
    @AfterEach
    void clearInterrupt()
    {
        Thread.interrupted();
    }

    // ------------------------------------------------------------------------------------ 1. aio_fsync

    @Test
    void shouldCompleteAUsersSyncOnlyAfterEveryWriteAcceptedBeforeIt() throws Exception
    {
        // A CALLER ring: between two polls nothing moves, so "the sync is done while a write it covers is not"
        // is seen whenever it happens. A raw sync issued with the writes finishes first often (BARRIER.md).
        final IoRing caller = extraRing(config().threadMode(RingConfig.ThreadMode.CALLER).name("posix-sync").build());
        try (IoFile file = openFile(caller, dir.resolve("sync-order")))
        {
            final ByteBuffer page = pattern(PAGE, 7);
            for (int trial = 0; trial < 20; trial++)
            {
                final IoRequest[] writes = new IoRequest[32];
                for (int i = 0; i < writes.length; i++)
                {
                    writes[i] = new IoRequest().write(file, (long)i * PAGE, page).submit();
                }
                final IoRequest sync = new IoRequest();
                if (trial % 2 == 0)
                {
                    sync.fsync(file).submit();
                }
                else
                {
                    sync.fdatasync(file).submit();
                }
                final CompletableFuture<Long> fileSync = trial % 2 == 0 ? file.fsync() : file.fdatasync();
                while (!sync.isDone() || !fileSync.isDone())
                {
                    caller.poll();
                    for (final IoRequest w : writes)
                    {
                        assertFalse((sync.isDone() || fileSync.isDone()) && !w.isDone(),
                            "a sync completed while a write accepted before it was in progress: trial=" + trial +
                                " write=" + w);
                    }
                    if (!sync.isDone() || !fileSync.isDone())
                    {
                        Thread.onSpinWait();
                    }
                }
                assertEquals(IoStatus.COMPLETED, sync.status());
                assertEquals(0L, sync.result(), "aio_return of a sync is 0");
                assertEquals(0L, fileSync.getNow(-1L));
            }
        }
    }

    @Test
    void shouldIssueASyncForEveryUsersSyncEvenWhenNoWriteIsPending() throws Exception
    {
        // A user's sync also covers what the ring cannot see (fallocate, another descriptor's writes): it syncs.
        try (IoFile file = openFile(ring, dir.resolve("sync-always")))
        {
            get(file.write(0, pattern(PAGE, 1)));
            get(file.barrier());
            final long syncs = file.barrierSyncs();
            get(file.fdatasync());
            final IoRequest sync = new IoRequest().fsync(file).submit();
            assertTrue(sync.await(30, TimeUnit.SECONDS));
            assertEquals(0L, sync.result());
            assertEquals(syncs + 2, file.barrierSyncs(), "each user's sync issued a sync of its own");
        }
    }

    // ----------------------------------------------------------------------------------- 2, 3. lio_listio

    @Test
    void shouldRefuseABatchWithABadMemberBeforeQueueingAny() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("batch-bad")))
        {
            final IoRequest a = new IoRequest().write(file, 0, pattern(PAGE, 1));
            final IoRequest b = new IoRequest().write(file, PAGE, pattern(PAGE, 2));
            final IoRequest bad = new IoRequest().write(file, -PAGE, pattern(PAGE, 3));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ring.submitBatch(BatchMode.WAIT, a, b, bad));
            assertTrue(e.getMessage().contains("offset=" + -PAGE), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ring.submitBatch(BatchMode.NOWAIT, a, b, a),
                "the same request twice in one batch");
            assertThrows(NullPointerException.class, () -> ring.submitBatch(BatchMode.NOWAIT, a, null, b));
            assertThrows(NullPointerException.class, () -> ring.submitBatch(null, a, b));
            for (final IoRequest r : new IoRequest[] {a, b, bad})
            {
                assertEquals(IoStatus.IDLE, r.status(), "left as it was: " + r);
            }
            // A nop through the ring after the refusals: whatever had been queued would have run before it.
            get(file.nop());
            assertEquals(0L, file.size(), "no member of a refused batch reached the file");
            ring.submitBatch(BatchMode.WAIT, a, b);
            assertEquals(PAGE, a.result());
            assertEquals(2L * PAGE, file.size());
        }
    }

    @Test
    void shouldQueueNoMemberWhenTheRingCannotTakeTheWholeBatch() throws Exception
    {
        final IoRing small = extraRing(config().queueDepth(8).submitTimeoutNs(TimeUnit.MILLISECONDS.toNanos(20))
            .name("posix-full").build());
        try (IoFile file = openFile(small, dir.resolve("batch-full")))
        {
            small.pause();
            final IoRequest[] held = new IoRequest[6];
            for (int i = 0; i < held.length; i++)
            {
                held[i] = new IoRequest().write(file, (long)i * PAGE, pattern(PAGE, i)).submit();
            }
            final IoRequest[] batch = new IoRequest[4];
            for (int i = 0; i < batch.length; i++)
            {
                batch[i] = new IoRequest().write(file, (long)(8 + i) * PAGE, pattern(PAGE, 8 + i));
            }
            final QueueFullException e = assertThrows(QueueFullException.class,
                () -> small.submitBatch(BatchMode.NOWAIT, batch));
            assertTrue(e.getMessage().contains("batch=4"), e.getMessage());
            for (final IoRequest r : batch)
            {
                assertEquals(IoStatus.IDLE, r.status(), "not accepted, left as it was: " + r);
            }
            small.resume();
            assertTrue(IoRequest.awaitAll(TimeUnit.SECONDS.toNanos(30), held));
            get(file.nop());
            assertEquals(6L * PAGE, file.size(), "none of the refused batch was queued");
        }
    }

    @Test
    void shouldReportTheFailedMembersOfABatch() throws Exception
    {
        final Path path = dir.resolve("batch-failed");
        try (IoFile file = openFile(ring, path))
        {
            get(file.write(0, pattern(2 * PAGE, 1)));
        }
        try (IoFile writeOnly = openWriteOnly(ring, path))
        {
            final IoRequest ok = new IoRequest().write(writeOnly, 0, pattern(PAGE, 2));
            final IoRequest failing = new IoRequest().read(writeOnly, PAGE, buffer(PAGE));
            final BatchFailedException e = assertThrows(BatchFailedException.class,
                () -> ring.submitBatch(BatchMode.WAIT, ok, failing));
            assertEquals(List.of(failing), e.failed());
            assertEquals(Errno.EIO, e.errno(), "lio_listio's EIO");
            assertEquals(Errno.EBADF, failing.errno(), "each member keeps its own error");
            assertSame(failing.failure(), e.getCause());
            assertEquals(PAGE, ok.result());

            final CompletableFuture<Void> nowait = ring.submitBatch(BatchMode.NOWAIT, failing, ok);
            final ExecutionException x = assertThrows(ExecutionException.class, () -> nowait.get(30, TimeUnit.SECONDS));
            final BatchFailedException f = assertInstanceOf(BatchFailedException.class, x.getCause());
            assertEquals(List.of(failing), f.failed());
        }
    }

    // ------------------------------------------------------------------------------------ 4. aio_suspend

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldAnswerAnInterruptAtOnceWhileAwaitingRequests() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("await-interrupt")))
        {
            ring.pause();
            final IoRequest held = new IoRequest().write(file, 0, pattern(PAGE, 1)).submit();
            // The waits are a minute long, the test's timeout 20 s: only an answer to the interrupt passes.
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> IoRequest.awaitAny(TimeUnit.MINUTES.toNanos(1), held));
            assertFalse(Thread.currentThread().isInterrupted(), "InterruptedException clears the status");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> IoRequest.awaitAll(TimeUnit.MINUTES.toNanos(1), held));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> held.await(1, TimeUnit.MINUTES));

            // From another thread, while parked.
            final Thread me = Thread.currentThread();
            final Thread interrupter = new Thread(() ->
            {
                try
                {
                    Thread.sleep(200);
                }
                catch (final InterruptedException ignore)
                {
                    return;
                }
                me.interrupt();
            });
            interrupter.start();
            assertThrows(InterruptedException.class, () -> IoRequest.awaitAny(TimeUnit.MINUTES.toNanos(1), held));
            interrupter.join();
            assertEquals(IoStatus.IN_PROGRESS, held.status(), "the interrupt ends the wait, not the request");
            ring.resume();
            assertTrue(held.await(30, TimeUnit.SECONDS));
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void shouldAnswerAnInterruptAtOnceInEveryOtherBlockingWait() throws Exception
    {
        final IoRing small = extraRing(config().queueDepth(2).submitTimeoutNs(TimeUnit.MINUTES.toNanos(1))
            .name("posix-interrupt").build());
        final IoRing other = extraRing(config().name("posix-interrupt-batch").build());
        try (IoFile file = openFile(small, dir.resolve("submit-interrupt"));
             IoFile second = openFile(other, dir.resolve("batch-interrupt")))
        {
            small.pause();
            final IoRequest[] held = {
                new IoRequest().write(file, 0, pattern(PAGE, 1)).submit(),
                new IoRequest().write(file, PAGE, pattern(PAGE, 2)).submit()};
            final ByteBuffer page = pattern(PAGE, 3);
            // back-pressure: the ring is full and the submit timeout a minute (the test's timeout is 20 s)
            Thread.currentThread().interrupt();
            final RingInterruptedException s = assertThrows(RingInterruptedException.class,
                () -> file.write(2L * PAGE, page));
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
            assertTrue(s.getMessage().contains("ring=posix-interrupt"), s.getMessage());
            // a WAIT batch held by the pause
            other.pause();
            final IoRequest member = new IoRequest().write(second, 0, pattern(PAGE, 4));
            Thread.currentThread().interrupt();
            assertThrows(RingInterruptedException.class, () -> other.submitBatch(BatchMode.WAIT, member));
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
            other.resume();
            assertTrue(member.await(30, TimeUnit.SECONDS), "the batch went on after its caller was interrupted");
            assertEquals(PAGE, member.result());
            small.resume();
            assertTrue(IoRequest.awaitAll(TimeUnit.SECONDS.toNanos(30), held));
        }
    }

    // ------------------------------------------------------------------------------------- 5. aio_cancel

    @Test
    void shouldRefuseToCancelARequestThatWasNeverSubmitted() throws Exception
    {
        final IllegalStateException blank = assertThrows(IllegalStateException.class, () -> new IoRequest().cancel());
        assertTrue(blank.getMessage().contains("status=IDLE"), blank.getMessage());
        try (IoFile file = openFile(ring, dir.resolve("cancel-never")))
        {
            final IoRequest described = new IoRequest().write(file, 0, pattern(PAGE, 1));
            final IllegalStateException e = assertThrows(IllegalStateException.class, described::cancel);
            assertTrue(e.getMessage().contains("never submitted") && e.getMessage().contains("status=IDLE"),
                e.getMessage());
            described.submit();
            assertTrue(described.await(30, TimeUnit.SECONDS));
            assertEquals(CancelOutcome.ALREADY_DONE, get(described.cancel()));
        }
    }

    // -------------------------------------------------------------------------------- 11. beyond MAX_RW_COUNT

    @Test
    void shouldReadThreeGibibytesWholeInOneVectoredRead() throws Exception
    {
        // 3 GiB through one preadv: the kernel moves at most MAX_RW_COUNT (2 GiB - 4 KiB) per call. The file is
        // sparse (holes read as zeros) and the buffers are 767 views of one 4 MiB buffer plus a separate last
        // page, so the test holds 8 MiB, not 3 GiB. The last page was written and must arrive in the last segment.
        final long size = 3L << 30;
        final int chunk = 4 << 20;
        final IoRing wide = extraRing(config().maxSegments(1024).name("posix-3g").build());
        final Path path = dir.resolve("three-gib");
        try (IoFile file = openFile(wide, path))
        {
            final ByteBuffer tail = pattern(PAGE, 11);
            assertEquals(PAGE, get(file.write(size - PAGE, tail)));
            assertEquals(size, file.size());
            final ByteBuffer shared = buffer(chunk);
            final int views = (int)(size / chunk);
            final ByteBuffer[] dsts = new ByteBuffer[views + 1];
            for (int i = 0; i < views - 1; i++)
            {
                dsts[i] = shared.duplicate();
            }
            dsts[views - 1] = shared.duplicate().limit(chunk - PAGE);
            final ByteBuffer last = buffer(PAGE);
            dsts[views] = last;
            assertEquals(size, get(file.readv(0, dsts)), "one read of 3 GiB, whole");
            assertEquals(Arrays.toString(EngineConformanceTest.bytes(tail)),
                Arrays.toString(EngineConformanceTest.bytes(last)), "the last page, past 2 GiB");
            final IoRequest request = new IoRequest().readv(file, 0, dsts).submit();
            assertTrue(request.await(120, TimeUnit.SECONDS));
            assertEquals(size, request.result(), "aio_return of the same read");
            assertEquals(size - PAGE, get(file.readv(PAGE, dsts)), "short only at end of file");
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    // ---------------------------------------------------------------------------------------- 12. O_DIRECT

    @Test
    void shouldOpenDirectAlikeOnEveryEngineWithTheAlignmentCheckedAtTheCall() throws Exception
    {
        try (IoFile file = ring.open(dir.resolve("direct"), StandardOpenOption.READ, StandardOpenOption.WRITE,
            StandardOpenOption.CREATE, DirectOpenOption.DIRECT))
        {
            assertTrue(file.access().direct(), "O_DIRECT");
            final int alignment = file.access().offsetAlignment();
            assertTrue(alignment >= 512 && Integer.bitCount(alignment) == 1 && PAGE % alignment == 0,
                "alignment discovered: " + alignment);
            assertEquals(alignment, file.access().memoryAlignment());
            assertEquals(PAGE, get(file.write(0, pattern(PAGE, 5))));
            final ByteBuffer back = buffer(PAGE);
            assertEquals(PAGE, get(file.read(0, back)));
            assertEquals(Arrays.toString(EngineConformanceTest.bytes(pattern(PAGE, 5))),
                Arrays.toString(EngineConformanceTest.bytes(back)));
            final IllegalArgumentException offset = assertThrows(IllegalArgumentException.class,
                () -> file.write(alignment / 2, pattern(PAGE, 6)));
            assertTrue(offset.getMessage().contains("offset not aligned"), offset.getMessage());
            final IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> file.write(0, pattern(PAGE, 6).limit(alignment / 2)));
            assertTrue(length.getMessage().contains("length not aligned"), length.getMessage());
            final ByteBuffer shifted = buffer(2 * PAGE).position(alignment / 2).limit(alignment / 2 + PAGE).slice();
            final IllegalArgumentException address = assertThrows(IllegalArgumentException.class,
                () -> file.read(0, shifted));
            assertTrue(address.getMessage().contains("address not aligned"), address.getMessage());
            assertThrows(IllegalArgumentException.class, () -> file.read(0, ByteBuffer.allocate(PAGE)),
                "a heap buffer on an O_DIRECT file");
        }
    }

    // ------------------------------------------------------------------------------------------ 6. O_APPEND

    @Test
    void shouldRefuseAppendAtOpenWithAMessage() throws Exception
    {
        final Path path = dir.resolve("append");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ring.open(path, StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
        assertTrue(e.getMessage().contains("APPEND") && e.getMessage().contains("engine=" + engine()), e.getMessage());
        assertFalse(Files.exists(path), "refused before anything was created");
    }
}
