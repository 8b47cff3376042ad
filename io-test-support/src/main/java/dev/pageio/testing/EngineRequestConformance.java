package dev.pageio.testing;

import dev.pageio.core.BatchMode;
import dev.pageio.core.CancelOutcome;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The conformance suite, part one (see {@link EngineConformanceTest}): round trips, batches, a request's status,
 * await and cancel.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EngineRequestConformance extends EngineConformanceBase
{
    // ------------------------------------------------------------------------------------------ round trips

    @Test
    void shouldReadBackWhatWasWrittenThroughCallbacks() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("cb")))
        {
            final ByteBuffer src = pattern(8 * PAGE, 1);
            final CompletableFuture<Long> written = new CompletableFuture<>();
            file.write(0, src, new FutureCallback(), written, 7L);
            assertEquals(8L * PAGE, get(written));
            assertEquals(0, src.position(), "position left as it was");
            assertEquals(8 * PAGE, src.limit(), "limit left as it was");

            final ByteBuffer dst = buffer(8 * PAGE);
            final AtomicLong token = new AtomicLong();
            final CompletableFuture<Long> read = new CompletableFuture<>();
            file.read(0, dst, new IoHandler<CompletableFuture<Long>>()
            {
                @Override
                public void completed(final long result, final CompletableFuture<Long> f, final long t)
                {
                    token.set(t);
                    f.complete(result);
                }

                @Override
                public void failed(final IoFailure failure, final CompletableFuture<Long> f, final long t)
                {
                    f.completeExceptionally(failure);
                }
            }, read, 42L);
            assertEquals(8L * PAGE, get(read));
            assertEquals(42L, token.get());
            assertArrayEquals(bytes(src), bytes(dst));
        }
    }

    @Test
    void shouldReadBackWhatWasWrittenThroughFutures() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("futures")))
        {
            for (int page = 0; page < 16; page++)
            {
                assertEquals(PAGE, get(file.write((long)page * PAGE, pattern(PAGE, page))));
            }
            for (int page = 15; page >= 0; page--)
            {
                final ByteBuffer dst = buffer(PAGE);
                assertEquals(PAGE, get(file.read((long)page * PAGE, dst)));
                assertArrayEquals(bytes(pattern(PAGE, page)), bytes(dst), "page " + page);
            }
        }
    }

    @Test
    void shouldUseTheBufferFromItsPositionToItsLimit() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("window")))
        {
            final ByteBuffer big = pattern(4 * PAGE, 3);
            big.position(PAGE).limit(3 * PAGE);
            assertEquals(2L * PAGE, get(file.write(0, big)));
            assertEquals(PAGE, big.position());
            assertEquals(3 * PAGE, big.limit());

            final ByteBuffer dst = buffer(4 * PAGE);
            dst.position(2 * PAGE);
            assertEquals(2L * PAGE, get(file.read(0, dst)));
            final byte[] expected = new byte[2 * PAGE];
            pattern(4 * PAGE, 3).position(PAGE).get(expected);
            final byte[] actual = new byte[2 * PAGE];
            dst.duplicate().position(2 * PAGE).get(actual);
            assertArrayEquals(expected, actual);
        }
    }

    @Test
    void shouldCompleteShortAtEndOfFileAndWithZeroPastIt() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("eof")))
        {
            get(file.write(0, pattern(3 * PAGE, 5)));
            final ByteBuffer dst = buffer(4 * PAGE);
            assertEquals(3L * PAGE, get(file.read(0, dst)));
            assertArrayEquals(bytes(pattern(3 * PAGE, 5)), bytes(dst.duplicate().limit(3 * PAGE)));
            assertEquals(PAGE, get(file.read(2L * PAGE, buffer(2 * PAGE))));
            assertEquals(0L, get(file.read(3L * PAGE, buffer(PAGE))));
            assertEquals(0L, get(file.read(100L * PAGE, buffer(PAGE))));
        }
    }

    @Test
    void shouldExtendTheFileWhenWritingPastItsEnd() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("extend")))
        {
            assertEquals(0, file.size());
            get(file.write(10L * PAGE, pattern(PAGE, 9)));
            assertEquals(11L * PAGE, file.size());
            final ByteBuffer hole = buffer(PAGE);
            assertEquals(PAGE, get(file.read(4L * PAGE, hole)));
            assertArrayEquals(new byte[PAGE], bytes(hole), "a hole reads as zeros");
        }
    }

    @Test
    void shouldScatterAndGatherWithVectoredIo() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("vectored")))
        {
            final ByteBuffer[] srcs = {pattern(PAGE, 11), pattern(3 * PAGE, 12), pattern(2 * PAGE, 13)};
            assertEquals(6L * PAGE, get(file.writev(PAGE, srcs)));
            final ByteBuffer whole = buffer(6 * PAGE);
            assertEquals(6L * PAGE, get(file.read(PAGE, whole)));
            final ByteBuffer expected = ByteBuffer.allocate(6 * PAGE);
            for (final ByteBuffer s : srcs)
            {
                expected.put(s.duplicate());
            }
            assertArrayEquals(expected.array(), bytes(whole));

            final ByteBuffer[] dsts = {buffer(2 * PAGE), buffer(PAGE), buffer(3 * PAGE)};
            assertEquals(6L * PAGE, get(file.readv(PAGE, dsts)));
            final ByteBuffer got = ByteBuffer.allocate(6 * PAGE);
            for (final ByteBuffer d : dsts)
            {
                got.put(d.duplicate());
            }
            assertArrayEquals(expected.array(), got.array());

            final ByteBuffer[] pastEnd = {buffer(4 * PAGE), buffer(4 * PAGE)};
            assertEquals(6L * PAGE, get(file.readv(PAGE, pastEnd)), "vectored read completes short at end of file");
        }
    }

    @Test
    void shouldCompleteFsyncAndFdatasyncWithZero() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("sync")))
        {
            get(file.write(0, pattern(PAGE, 1)));
            assertEquals(0L, get(file.fsync()));
            assertEquals(0L, get(file.fdatasync()));
        }
    }

    @Test
    void shouldCompleteANopWithZeroAndTouchNothing() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("nop")))
        {
            for (int i = 0; i < 64; i++)
            {
                assertEquals(0L, get(file.nop()));
            }
            assertEquals(0, file.size());
        }
    }

    @Test
    void shouldRegisterBuffersWhereTheEngineCanAndAnswerEopnotsuppWhereItCannot() throws Exception
    {
        final ByteBuffer registered = buffer(2 * PAGE);
        final int answer = get(ring.registerBuffers(registered));
        if ("io_uring".equals(ring.engineName()))
        {
            assertEquals(0, answer, "io_uring registers fixed buffers");
        }
        else
        {
            assertEquals(-Errno.EOPNOTSUPP, answer, "engine " + ring.engineName() + " has no registered buffers");
        }
        try (IoFile file = openFile(ring, dir.resolve("registered")))
        {
            // I/O from a registered buffer (READ_FIXED/WRITE_FIXED on io_uring) moves the same bytes as any other
            final ByteBuffer page = pattern(PAGE, 11);
            registered.clear().put(page.duplicate()).flip();
            assertEquals((long)PAGE, get(file.write(0, registered.duplicate().limit(PAGE))));
            final ByteBuffer back = registered.duplicate().position(PAGE).limit(2 * PAGE).slice();
            assertEquals((long)PAGE, get(file.read(0, back)));
            assertArrayEquals(bytes(page), bytes(back));
        }
    }

    @Test
    void shouldCompleteZeroLengthRequestsWithZero() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("zero")))
        {
            assertEquals(0L, get(file.write(0, buffer(0))));
            assertEquals(0L, get(file.read(0, buffer(0))));
            assertEquals(0L, get(file.readv(0, new ByteBuffer[] {buffer(0)})));
            assertEquals(0, file.size());
        }
    }

    // ------------------------------------------------------------------------------------------------ batches

    @Test
    void shouldWaitForEveryOperationOfAWaitBatch() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("batch-wait")))
        {
            final IoRequest[] writes = new IoRequest[16];
            for (int i = 0; i < writes.length; i++)
            {
                writes[i] = new IoRequest().write(file, (long)i * PAGE, pattern(PAGE, 100 + i));
            }
            ring.submitBatch(BatchMode.WAIT, writes);
            for (final IoRequest w : writes)
            {
                assertEquals(IoStatus.COMPLETED, w.status());
                assertEquals(PAGE, w.result());
            }
            final IoRequest[] reads = new IoRequest[16];
            final ByteBuffer[] dsts = new ByteBuffer[16];
            for (int i = 0; i < reads.length; i++)
            {
                dsts[i] = buffer(PAGE);
                reads[i] = new IoRequest().read(file, (long)i * PAGE, dsts[i]);
            }
            final CompletableFuture<Void> all = ring.submitBatch(BatchMode.WAIT, reads);
            assertTrue(all.isDone());
            for (int i = 0; i < reads.length; i++)
            {
                assertEquals(PAGE, reads[i].result());
                assertArrayEquals(bytes(pattern(PAGE, 100 + i)), bytes(dsts[i]));
            }
            // The requests are reusable control blocks.
            ring.submitBatch(BatchMode.WAIT, reads);
            assertEquals(PAGE, reads[3].result());
        }
    }

    @Test
    void shouldReturnAtOnceFromANoWaitBatchAndCompleteItOnce() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("batch-nowait")))
        {
            ring.pause();
            final IoRequest[] writes = new IoRequest[8];
            for (int i = 0; i < writes.length; i++)
            {
                writes[i] = new IoRequest().write(file, (long)i * PAGE, pattern(PAGE, 200 + i));
            }
            final CompletableFuture<Void> batch = ring.submitBatch(BatchMode.NOWAIT, writes);
            assertFalse(batch.isDone(), "held by pause: returned before completion");
            for (final IoRequest w : writes)
            {
                assertEquals(IoStatus.IN_PROGRESS, w.status());
            }
            ring.resume();
            get(batch);
            for (final IoRequest w : writes)
            {
                assertEquals(PAGE, w.result());
            }
        }
    }

    // ------------------------------------------------------------------------------ status, await, cancel

    @Test
    void shouldReportStatusThroughTheRequestsLife() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("status")))
        {
            final IoRequest request = new IoRequest();
            assertEquals(IoStatus.IDLE, request.status());
            ring.pause();
            request.write(file, 0, pattern(PAGE, 1)).submit();
            assertEquals(IoStatus.IN_PROGRESS, request.status());
            assertEquals(Errno.EINPROGRESS, request.errno(), "EINPROGRESS");
            assertThrows(IllegalStateException.class, request::result);
            assertThrows(IllegalStateException.class, request::submit, "no second submission while in progress");
            ring.resume();
            assertTrue(request.await(30, TimeUnit.SECONDS));
            assertEquals(IoStatus.COMPLETED, request.status());
            assertEquals(PAGE, request.result());
            assertEquals(0, request.errno());
        }
    }

    @Test
    void shouldTimeOutAwaitAnyWhileHeldAndReturnTheDoneOne() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("await")))
        {
            get(file.write(0, pattern(4 * PAGE, 1)));
            ring.pause();
            final IoRequest a = new IoRequest().read(file, 0, buffer(PAGE)).submit();
            final IoRequest b = new IoRequest().read(file, PAGE, buffer(PAGE)).submit();
            final long start = System.nanoTime();
            assertEquals(-1, IoRequest.awaitAny(TimeUnit.MILLISECONDS.toNanos(50), a, b));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
            ring.resume();
            final int done = IoRequest.awaitAny(TimeUnit.SECONDS.toNanos(30), null, a, b);
            assertTrue(done == 1 || done == 2, "index of a done request: " + done);
            assertTrue(IoRequest.awaitAll(TimeUnit.SECONDS.toNanos(30), a, b));
            assertEquals(PAGE, a.result());
            assertEquals(PAGE, b.result());
        }
    }

    @Test
    void shouldCancelARequestStillQueued() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("cancel")))
        {
            ring.pause();
            final CompletableFuture<Long> viaCallback = new CompletableFuture<>();
            final IoRequest request = new IoRequest().write(file, 0, pattern(PAGE, 1)).submit();
            final CompletableFuture<CancelOutcome> outcome = request.cancel();
            assertEquals(CancelOutcome.CANCELED, get(outcome));
            assertEquals(IoStatus.CANCELED, request.status());
            assertEquals(Errno.ECANCELED, request.errno());
            assertTrue(request.failure().canceled());
            ring.resume();
            file.write(PAGE, pattern(PAGE, 2), new FutureCallback(), viaCallback, 0);
            get(viaCallback);
            assertEquals(2L * PAGE, file.size(), "the canceled write never reached the file");
            final ByteBuffer first = buffer(PAGE);
            get(file.read(0, first));
            assertArrayEquals(new byte[PAGE], bytes(first));
        }
    }

    @Test
    void shouldAnswerAlreadyDoneForACompletedRequest() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("cancel-done")))
        {
            final IoRequest request = new IoRequest().write(file, 0, pattern(PAGE, 1)).submit();
            assertTrue(request.await(30, TimeUnit.SECONDS));
            assertEquals(CancelOutcome.ALREADY_DONE, get(request.cancel()));
            assertThrows(IllegalStateException.class, () -> new IoRequest().cancel(), "never submitted: not ALREADY_DONE");
            assertEquals(IoStatus.COMPLETED, request.status());
        }
    }

    @Test
    void shouldAnswerEveryCancelOfRequestsInFlight() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("cancel-flight")))
        {
            get(file.write(0, pattern(32 * PAGE, 1)));
            final IoRequest[] requests = new IoRequest[32];
            final List<CompletableFuture<CancelOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < requests.length; i++)
            {
                requests[i] = new IoRequest().read(file, (long)i * PAGE, buffer(PAGE)).submit();
                outcomes.add(requests[i].cancel());
            }
            for (int i = 0; i < requests.length; i++)
            {
                final CancelOutcome outcome = get(outcomes.get(i));
                assertTrue(requests[i].await(30, TimeUnit.SECONDS));
                switch (outcome)
                {
                    case CANCELED:
                        assertEquals(IoStatus.CANCELED, requests[i].status());
                        break;
                    case ALREADY_DONE:
                    case NOT_CANCELED:
                        assertEquals(IoStatus.COMPLETED, requests[i].status(), "outcome " + outcome);
                        assertEquals(PAGE, requests[i].result());
                        break;
                    default:
                        fail();
                }
            }
        }
    }


    /** Completes the future attachment. */
    static final class FutureCallback implements IoHandler<CompletableFuture<Long>>
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
    }
}
