package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;
import dev.pageio.linux.aio.AioTestSupport.RecordingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.pageio.linux.aio.AioTestSupport.PAGE;
import static dev.pageio.linux.aio.AioTestSupport.aligned;
import static dev.pageio.linux.aio.AioTestSupport.backend;
import static dev.pageio.linux.aio.AioTestSupport.delete;
import static dev.pageio.linux.aio.AioTestSupport.directFile;
import static dev.pageio.linux.aio.AioTestSupport.drive;
import static dev.pageio.linux.aio.AioTestSupport.fill;
import static dev.pageio.linux.aio.AioTestSupport.matches;
import static dev.pageio.linux.aio.AioTestSupport.single;
import static dev.pageio.linux.aio.AioTestSupport.slots;
import static dev.pageio.linux.aio.AioTestSupport.sync;
import static dev.pageio.linux.aio.AioTestSupport.vectored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class AioBackendTest
{
    private static final int RWF_DSYNC = 0x2;

    static Path[] directories() throws IOException
    {
        return AioTestSupport.directories();
    }

    @AfterAll
    static void removeTmpfsDirectory() throws IOException
    {
        Files.deleteIfExists(directories()[1]);
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldRoundTripPagesWithSingleAndVectoredFormsWhenFileIsODirect(final Path dir) throws IOException
    {
        final int pages = 16;
        final FdFileAccess file = directFile(dir, "round-trip", pages);
        try (AioBackend backend = backend(32))
        {
            assertTrue(backend.ringReaping(), backend.ringFallbackCause());
            assertNull(backend.ringFallbackCause());
            final Request[] slots = slots(32);
            final RecordingSink sink = new RecordingSink(32);
            final ByteBuffer[] written = new ByteBuffer[pages];
            for (int p = 0; p < 8; p++)
            {
                written[p] = aligned(PAGE);
                fill(written[p], p);
                assertTrue(backend.prepare(single(slots[p], RequestOp.WRITE, file, written[p], (long)p * PAGE)));
            }
            for (int v = 0; v < 4; v++)
            {
                final int p = 8 + v * 2;
                written[p] = aligned(PAGE);
                written[p + 1] = aligned(PAGE);
                fill(written[p], p);
                fill(written[p + 1], p + 1);
                assertTrue(backend.prepare(vectored(slots[8 + v], RequestOp.WRITEV, file,
                    new ByteBuffer[] {written[p], written[p + 1]}, (long)p * PAGE)));
            }
            assertEquals(12, backend.submit());
            drive(backend, sink, () -> sink.completed == 12);
            for (int i = 0; i < 8; i++)
            {
                assertEquals(PAGE, sink.results[i], "write " + i);
            }
            for (int i = 8; i < 12; i++)
            {
                assertEquals(2 * PAGE, sink.results[i], "writev " + i);
            }
            assertEquals(0, backend.inFlight());

            final ByteBuffer[] read = new ByteBuffer[pages];
            for (int p = 0; p < 8; p++)
            {
                read[p] = aligned(PAGE);
                assertTrue(backend.prepare(single(slots[p], RequestOp.READ, file, read[p], (long)p * PAGE)));
            }
            for (int v = 0; v < 4; v++)
            {
                final int p = 8 + v * 2;
                read[p] = aligned(PAGE);
                read[p + 1] = aligned(PAGE);
                assertTrue(backend.prepare(vectored(slots[8 + v], RequestOp.READV, file,
                    new ByteBuffer[] {read[p], read[p + 1]}, (long)p * PAGE)));
            }
            final int before = sink.completed;
            backend.submit();
            drive(backend, sink, () -> sink.completed == before + 12);
            for (int p = 0; p < pages; p++)
            {
                assertTrue(matches(read[p], p), "page " + p + " in " + dir);
            }
            assertEquals(0, backend.inFlight());
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldResubmitTheRemainderWhenTheContextAcceptsOnlyPartOfABatch() throws IOException
    {
        final int n = 400;
        final FdFileAccess file = directFile(directories()[0], "partial", n);
        // nr_events 1: the kernel sizes the ring to one page (127 events), far fewer than the 400 offered
        try (AioBackend backend = backend(n, 1, true, false))
        {
            final Request[] slots = slots(n);
            final RecordingSink sink = new RecordingSink(n);
            final ByteBuffer[] pages = new ByteBuffer[n];
            for (int i = 0; i < n; i++)
            {
                pages[i] = aligned(PAGE);
                fill(pages[i], i);
                assertTrue(backend.prepare(single(slots[i], RequestOp.WRITE, file, pages[i], (long)i * PAGE)));
            }
            final int accepted = backend.submit();
            assertTrue(accepted > 0 && accepted < n, "accepted=" + accepted + " ringEntries=" + backend.ringEntries());
            assertEquals(1, backend.partialSubmits());
            assertEquals(n, backend.inFlight());
            drive(backend, sink, () -> sink.completed == n);
            for (int i = 0; i < n; i++)
            {
                assertEquals(PAGE, sink.results[i], "write " + i);
                assertEquals(1, sink.completions[i]);
            }

            final ByteBuffer[] back = new ByteBuffer[n];
            for (int i = 0; i < n; i++)
            {
                back[i] = aligned(PAGE);
                assertTrue(backend.prepare(single(slots[i], RequestOp.READ, file, back[i], (long)i * PAGE)));
            }
            drive(backend, sink, () -> sink.completed == 2 * n);
            for (int i = 0; i < n; i++)
            {
                assertTrue(matches(back[i], i), "page " + i);
            }
            assertEquals(0, backend.ioGeteventsCalls());
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldReapCompletionsFromTheRingWithoutIoGeteventsWhileTheyKeepArriving() throws IOException
    {
        final int depth = 32;
        final int total = 5000;
        final FdFileAccess file = directFile(directories()[0], "ring-reap", depth);
        try (AioBackend backend = backend(depth))
        {
            final Request[] slots = slots(depth);
            final RecordingSink sink = new RecordingSink(depth);
            final ByteBuffer[] buffers = new ByteBuffer[depth];
            final int[] issued = {0};
            for (int i = 0; i < depth; i++)
            {
                buffers[i] = aligned(PAGE);
                backend.prepare(single(slots[i], RequestOp.READ, file, buffers[i], (long)i * PAGE));
                issued[0]++;
            }
            // each completion prepares the next read on its slot, from inside reap: completions keep arriving
            sink.onComplete = r -> {
                assertEquals(PAGE, sink.results[r.index]);
                if (issued[0] < total)
                {
                    issued[0]++;
                    backend.prepare(single(r, RequestOp.READ, file, buffers[r.index], (long)r.index * PAGE));
                }
            };
            drive(backend, sink, () -> sink.completed == total);
            assertEquals(total, backend.ringReaped());
            assertEquals(0, backend.ioGeteventsCalls(), "completions came from the ring, not io_getevents");
            assertEquals(0, backend.inFlight());
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldSignalTheCompletionEventFdOncePerCompletion() throws IOException
    {
        final int n = 20;
        final FdFileAccess file = directFile(directories()[1], "eventfd", n);
        try (AioBackend backend = backend(n))
        {
            final int efd = backend.completionEventFd();
            assertTrue(efd >= 0);
            final long counter = Linux.malloc(8);
            try
            {
                assertTrue(Linux.read(efd, counter, 8) < 0, "nothing completed yet");
                final Request[] slots = slots(n);
                final ByteBuffer[] buffers = new ByteBuffer[n];
                for (int i = 0; i < n; i++)
                {
                    buffers[i] = aligned(PAGE);
                    backend.prepare(single(slots[i], RequestOp.WRITE, file, buffers[i], (long)i * PAGE));
                }
                backend.submit();
                long signalled = 0;
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (signalled < n && System.nanoTime() < deadline)
                {
                    if (Linux.read(efd, counter, 8) == 8)
                    {
                        signalled += Linux.wrap(counter, 8).getLong(0);
                    }
                }
                assertEquals(n, signalled);
                final RecordingSink sink = new RecordingSink(n);
                assertEquals(n, backend.reap(sink));
            }
            finally
            {
                Linux.free(counter);
            }
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldNotSignalTheCompletionEventFdForRequestsSubmittedBeforeItWasAskedFor() throws IOException
    {
        final int n = 8;
        final FdFileAccess file = directFile(directories()[1], "eventfd-late", n);
        try (AioBackend backend = backend(n))
        {
            final Request[] slots = slots(n);
            final RecordingSink sink = new RecordingSink(n);
            for (int i = 0; i < n; i++)
            {
                backend.prepare(single(slots[i], RequestOp.WRITE, file, aligned(PAGE), (long)i * PAGE));
            }
            backend.submit();
            drive(backend, sink, () -> sink.completed == n);
            final int efd = backend.completionEventFd();
            final long counter = Linux.malloc(8);
            try
            {
                assertTrue(Linux.read(efd, counter, 8) < 0, "no iocb carried IOCB_FLAG_RESFD before the first call");
                backend.prepare(single(slots[0], RequestOp.WRITE, file, aligned(PAGE), 0));
                backend.submit();
                drive(backend, sink, () -> sink.completed == n + 1);
                assertEquals(8, Linux.read(efd, counter, 8), "a request submitted after the call signals it");
                assertEquals(1, Linux.wrap(counter, 8).getLong(0));
            }
            finally
            {
                Linux.free(counter);
            }
        }
        finally
        {
            delete(file);
        }
    }

    @ParameterizedTest
    @MethodSource("directories")
    void shouldCompleteFdatasyncAndFsyncThroughTheKernel(final Path dir) throws IOException
    {
        assertTrue(AioTestSupport.ENGINE.kernelSync(), "Linux 4.18+ runs IOCB_CMD_FDSYNC");
        final FdFileAccess file = directFile(dir, "sync", 4);
        try (AioBackend backend = backend(8))
        {
            assertTrue(backend.kernelSync());
            final Request[] slots = slots(8);
            final RecordingSink sink = new RecordingSink(8);
            final ByteBuffer page = aligned(PAGE);
            fill(page, 3);
            backend.prepare(single(slots[0], RequestOp.WRITE, file, page, 0));
            backend.submit();
            drive(backend, sink, () -> sink.completed == 1);
            backend.prepare(sync(slots[1], RequestOp.FDATASYNC, file));
            backend.prepare(sync(slots[2], RequestOp.FSYNC, file));
            assertEquals(2, backend.submit());
            drive(backend, sink, () -> sink.completed == 3);
            assertEquals(0, sink.results[1]);
            assertEquals(0, sink.results[2]);
            assertEquals(0, backend.syncerSyncs());
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldCompleteSyncsOnTheSyncerThreadWhenTheKernelRefusesSyncIocbs() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "syncer", 4);
        try (AioBackend backend = backend(8, 9, false, false))
        {
            assertFalse(backend.kernelSync());
            final Request[] slots = slots(8);
            final RecordingSink sink = new RecordingSink(8);
            backend.prepare(sync(slots[0], RequestOp.FDATASYNC, file));
            backend.prepare(sync(slots[1], RequestOp.FSYNC, file));
            final ByteBuffer page = aligned(PAGE);
            backend.prepare(single(slots[2], RequestOp.WRITE, file, page, 0));
            assertEquals(3, backend.inFlight());
            assertEquals(1, backend.submit(), "only the write goes to the kernel");
            drive(backend, sink, () -> sink.completed == 3);
            assertEquals(0, sink.results[0]);
            assertEquals(0, sink.results[1]);
            assertEquals(PAGE, sink.results[2]);
            assertEquals(2, backend.syncerSyncs());
            assertEquals(0, backend.inFlight());

            // a sync on a closed descriptor reports the syncer's errno as data
            final Request bad = sync(slots[3], RequestOp.FDATASYNC, file);
            bad.fd = Integer.MAX_VALUE;
            backend.prepare(bad);
            drive(backend, sink, () -> sink.completed == 4);
            assertEquals(-Errno.EBADF, sink.results[3]);
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldCancelARequestStillPendingInTheBackend() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "cancel-pending", 4);
        try (AioBackend backend = backend(8))
        {
            final Request[] slots = slots(8);
            final RecordingSink sink = new RecordingSink(8);
            final ByteBuffer[] buffers = {aligned(PAGE), aligned(PAGE), aligned(PAGE)};
            for (int i = 0; i < 3; i++)
            {
                backend.prepare(single(slots[i], RequestOp.READ, file, buffers[i], (long)i * PAGE));
            }
            backend.cancel(slots[1]);
            assertEquals(2, backend.submit(), "the canceled one is not handed to the kernel");
            drive(backend, sink, () -> sink.completed == 3);
            assertEquals(0, sink.cancelAnswers[1]);
            assertEquals(-Errno.ECANCELED, sink.results[1]);
            assertEquals(PAGE, sink.results[0]);
            assertEquals(PAGE, sink.results[2]);
            assertEquals(0, backend.inFlight());
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldAnswerNotCanceledWhenTheKernelRefusesToCancelARegularFileRequest() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "cancel-kernel", 64);
        try (AioBackend backend = backend(64))
        {
            final Request[] slots = slots(64);
            final RecordingSink sink = new RecordingSink(64);
            for (int i = 0; i < 64; i++)
            {
                backend.prepare(single(slots[i], RequestOp.WRITE, file, aligned(PAGE), (long)i * PAGE));
            }
            assertEquals(64, backend.submit());
            backend.cancel(slots[63]);
            drive(backend, sink, () -> sink.completed == 64 && sink.answered == 1);
            final int answer = sink.cancelAnswers[63];
            assertTrue(answer == -Errno.EALREADY, "regular files refuse io_cancel: answer=" + answer);
            assertEquals(PAGE, sink.results[63], "it completes normally");
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldAnswerAlreadyDoneWhenCancelingAReapedRequest() throws IOException
    {
        final FdFileAccess file = directFile(directories()[1], "cancel-done", 1);
        try (AioBackend backend = backend(4))
        {
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            backend.prepare(single(slots[0], RequestOp.READ, file, aligned(PAGE), 0));
            backend.submit();
            drive(backend, sink, () -> sink.completed == 1);
            backend.cancel(slots[0]);
            backend.reap(sink);
            assertEquals(-Errno.ENOENT, sink.cancelAnswers[0]);
            assertEquals(1, sink.completions[0]);
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldDriveSeveralContextsAtOnce() throws IOException
    {
        final Path[] dirs = directories();
        final FdFileAccess a = directFile(dirs[0], "context-a", 8);
        final FdFileAccess b = directFile(dirs[1], "context-b", 8);
        try (AioBackend one = backend(8); AioBackend two = backend(8))
        {
            assertTrue(one.ringReaping() && two.ringReaping());
            final Request[] slotsOne = slots(8);
            final Request[] slotsTwo = slots(8);
            final RecordingSink sinkOne = new RecordingSink(8);
            final RecordingSink sinkTwo = new RecordingSink(8);
            final ByteBuffer[] pagesOne = new ByteBuffer[8];
            final ByteBuffer[] pagesTwo = new ByteBuffer[8];
            for (int i = 0; i < 8; i++)
            {
                pagesOne[i] = aligned(PAGE);
                pagesTwo[i] = aligned(PAGE);
                fill(pagesOne[i], i);
                fill(pagesTwo[i], 100 + i);
                one.prepare(single(slotsOne[i], RequestOp.WRITE, a, pagesOne[i], (long)i * PAGE));
                two.prepare(single(slotsTwo[i], RequestOp.WRITE, b, pagesTwo[i], (long)i * PAGE));
            }
            one.submit();
            two.submit();
            drive(one, sinkOne, () -> sinkOne.completed == 8);
            drive(two, sinkTwo, () -> sinkTwo.completed == 8);
            for (int i = 0; i < 8; i++)
            {
                pagesOne[i] = aligned(PAGE);
                pagesTwo[i] = aligned(PAGE);
                one.prepare(single(slotsOne[i], RequestOp.READ, a, pagesOne[i], (long)i * PAGE));
                two.prepare(single(slotsTwo[i], RequestOp.READ, b, pagesTwo[i], (long)i * PAGE));
            }
            one.submit();
            two.submit();
            drive(two, sinkTwo, () -> sinkTwo.completed == 16);
            drive(one, sinkOne, () -> sinkOne.completed == 16);
            for (int i = 0; i < 8; i++)
            {
                assertTrue(matches(pagesOne[i], i), "context one page " + i);
                assertTrue(matches(pagesTwo[i], 100 + i), "context two page " + i);
            }
        }
        finally
        {
            delete(a);
            delete(b);
        }
    }

    @Test
    void shouldFreeTheContextWhenClosedWithRequestsInFlightAndStayClosed() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "close", 128);
        try
        {
            for (int round = 0; round < 3; round++)
            {
                final AioBackend backend = backend(136, 129, false, false);
                final Request[] slots = slots(136);
                for (int i = 0; i < 128; i++)
                {
                    backend.prepare(single(slots[i], RequestOp.WRITE, file, aligned(PAGE), (long)i * PAGE));
                }
                assertEquals(128, backend.submit());
                backend.prepare(sync(slots[128], RequestOp.FDATASYNC, file)); // on the syncer thread
                for (int i = 129; i < 136; i++)
                {
                    // no room left in the context: these stay pending in the backend
                    backend.prepare(single(slots[i], RequestOp.READ, file, aligned(PAGE), 0));
                }
                backend.submit();
                assertTrue(backend.inFlight() > 0);
                backend.close();
                backend.close();
                assertThrows(IllegalStateException.class, () -> backend.reap(new RecordingSink(136)));
                assertThrows(IllegalStateException.class, () -> backend.prepare(slots[0]));
                assertEquals(0, backend.submit());
                backend.wakeup();
                backend.await(1_000_000);
            }
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldReuseAnIdleContextAfterCloseAndDestroyOneClosedWithRequestsInFlight() throws IOException
    {
        final FdFileAccess file = directFile(directories()[1], "reuse", 4);
        try
        {
            final AioBackend first = backend(4, 77, true, false);
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer page = aligned(PAGE);
            fill(page, 5);
            first.prepare(single(slots[0], RequestOp.WRITE, file, page, 0));
            drive(first, sink, () -> sink.completed == 1);
            first.await(1_000_000); // arms the wakeup POLL: close must cancel and reap it
            first.close();

            final long reusedBefore = AioContextPool.reused();
            try (AioBackend second = backend(4, 77, true, false))
            {
                assertEquals(reusedBefore + 1, AioContextPool.reused(), "the idle context was taken again");
                assertTrue(second.ringReaping());
                final ByteBuffer back = aligned(PAGE);
                second.prepare(single(slots[1], RequestOp.READ, file, back, 0));
                drive(second, sink, () -> sink.completed == 2);
                assertTrue(matches(back, 5));
                second.wakeup();
                second.await(TimeUnit.SECONDS.toNanos(30));
                second.reap(sink);
                assertEquals(2, sink.completed, "no stale event from the first backend");

                // closed with requests in the kernel: destroyed (io_destroy waits for them), never pooled
                for (int i = 0; i < 4; i++)
                {
                    second.prepare(single(slots[i], RequestOp.READ, file, aligned(PAGE), (long)i * PAGE));
                }
                second.submit();
            }
            final long reusedAfter = AioContextPool.reused();
            try (AioBackend third = backend(4, 77, true, false))
            {
                assertEquals(reusedAfter, AioContextPool.reused(), "a context closed busy is not reused");
                assertTrue(third.ringReaping());
            }
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldReturnFromAwaitWhenWokenFromAnotherThread() throws Exception
    {
        try (AioBackend backend = backend(4))
        {
            final CountDownLatch waiting = new CountDownLatch(1);
            final Thread waker = new Thread(() -> {
                try
                {
                    waiting.await();
                    Thread.sleep(100);
                }
                catch (final InterruptedException e)
                {
                    return;
                }
                backend.wakeup();
            });
            waker.start();
            waiting.countDown();
            final long start = System.nanoTime();
            backend.await(TimeUnit.SECONDS.toNanos(30));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "await returned on wakeup");
            waker.join();
            // the poll's completion is internal: never delivered as a request
            final RecordingSink sink = new RecordingSink(4);
            backend.reap(sink);
            assertEquals(0, sink.completed);
            // and the next await re-arms it and is woken again
            backend.wakeup();
            backend.await(TimeUnit.SECONDS.toNanos(30));
            backend.reap(sink);
            assertEquals(0, sink.completed);
        }
    }

    @Test
    void shouldStillReturnFromAwaitOnWakeupWhenTheKernelLacksPollIocbs() throws Exception
    {
        // without IOCB_CMD_POLL (Linux < 4.18) await waits in 1 ms slices and checks the wakeup eventfd
        try (AioBackend backend = backend(4, 5, true, false, false))
        {
            backend.wakeup();
            backend.await(TimeUnit.SECONDS.toNanos(30));
            final Thread waker = new Thread(() -> {
                try
                {
                    Thread.sleep(50);
                }
                catch (final InterruptedException e)
                {
                    return;
                }
                backend.wakeup();
            });
            waker.start();
            final long start = System.nanoTime();
            backend.await(TimeUnit.SECONDS.toNanos(30));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20));
            waker.join();
        }
    }

    @Test
    void shouldNeverWriteToAClosedEventFdWhenWakersRaceClose() throws Exception
    {
        for (int round = 0; round < 20; round++)
        {
            final AioBackend backend = backend(4);
            final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            final Thread[] wakers = new Thread[3];
            for (int i = 0; i < wakers.length; i++)
            {
                wakers[i] = new Thread(() -> {
                    while (!stop.get())
                    {
                        backend.wakeup();
                    }
                });
                wakers[i].start();
            }
            Thread.sleep(2);
            backend.close();
            stop.set(true);
            for (final Thread t : wakers)
            {
                t.join();
            }
        }
    }

    @Test
    void shouldReturnFromAwaitPromptlyWhenWokenBefore() throws IOException
    {
        try (AioBackend backend = backend(4))
        {
            for (int i = 0; i < 3; i++)
            {
                backend.wakeup();
                final long start = System.nanoTime();
                backend.await(TimeUnit.SECONDS.toNanos(30));
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "no lost wakeup");
                backend.reap(new RecordingSink(4));
            }
        }
    }

    @Test
    void shouldReturnFromAwaitWhenACompletionArrivesAndDeliverIt() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "await", 1);
        try (AioBackend backend = backend(4))
        {
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            backend.prepare(single(slots[0], RequestOp.READ, file, aligned(PAGE), 0));
            backend.submit();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sink.completed == 0 && System.nanoTime() < deadline)
            {
                backend.await(TimeUnit.SECONDS.toNanos(30));
                backend.reap(sink);
            }
            assertEquals(PAGE, sink.results[0]);
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldReapWithIoGeteventsWhenRingReapingIsOff() throws IOException
    {
        final FdFileAccess file = directFile(directories()[1], "getevents", 8);
        try (AioBackend backend = backend(8, 9, true, true))
        {
            assertFalse(backend.ringReaping());
            assertNotNull(backend.ringFallbackCause());
            final Request[] slots = slots(8);
            final RecordingSink sink = new RecordingSink(8);
            final ByteBuffer page = aligned(PAGE);
            fill(page, 9);
            backend.prepare(single(slots[0], RequestOp.WRITE, file, page, PAGE));
            backend.submit();
            drive(backend, sink, () -> sink.completed == 1);
            final ByteBuffer back = aligned(PAGE);
            backend.prepare(single(slots[1], RequestOp.READ, file, back, PAGE));
            backend.submit();
            drive(backend, sink, () -> sink.completed == 2);
            assertTrue(matches(back, 9));
            assertTrue(backend.ioGeteventsCalls() > 0);
            assertEquals(0, backend.ringReaped());
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldNameTheSysctlsWhenIoSetupRunsOutOfEvents() throws IOException
    {
        final long max;
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/fs/aio-max-nr")))
        {
            max = Long.parseLong(reader.readLine().trim());
        }
        // the kernel refuses nr_events above fs.aio-max-nr with EAGAIN (fs/aio.c ioctx_alloc)
        final int asked = (int)Math.min(max + 1, 8_000_000);
        final IOException e = assertThrows(IOException.class, () -> backend(4, asked, true, false));
        assertTrue(e.getMessage().contains("EAGAIN"), e.getMessage());
        assertTrue(e.getMessage().contains("fs.aio-max-nr=" + max), e.getMessage());
        assertTrue(e.getMessage().contains("fs.aio-nr="), e.getMessage());
    }

    @Test
    void shouldCompleteWithEinvalWithoutReachingTheKernelWhenTheRangeIsOutsideTheBuffer() throws IOException
    {
        final FdFileAccess direct = directFile(directories()[0], "direct", 1);
        try (AioBackend backend = backend(4))
        {
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            final Request tooLong = single(slots[1], RequestOp.READ, direct, aligned(PAGE), 0);
            tooLong.length = 2 * PAGE;
            backend.prepare(tooLong);
            backend.prepare(single(slots[2], RequestOp.READ, direct, ByteBuffer.allocate(PAGE), 0));
            assertEquals(0, backend.submit());
            assertEquals(0, backend.ioSubmitCalls());
            backend.reap(sink);
            assertEquals(-Errno.EINVAL, sink.results[1]);
            assertEquals(-Errno.EINVAL, sink.results[2]);
            assertEquals(0, backend.inFlight());
        }
        finally
        {
            delete(direct);
        }
    }

    @Test
    void shouldServeABufferedFileThroughTheThreadPathNeverThroughIoSubmit() throws IOException
    {
        final Path path = directories()[0].resolve("buffered");
        final FdFileAccess buffered = FdFileAccess.open(path, java.util.Set.of(java.nio.file.StandardOpenOption.READ,
            java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.CREATE), 0);
        try (AioBackend backend = backend(4))
        {
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            assertTrue(backend.prepare(single(slots[0], RequestOp.WRITE, buffered, aligned(PAGE), 0)));
            backend.submit();
            final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
            while (sink.completed == 0 && System.nanoTime() < deadline)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L); // (await would arm the wakeup POLL)
                backend.reap(sink);
            }
            assertEquals(PAGE, sink.results[0]);
            assertEquals(0, backend.ioSubmitCalls(), "a buffered file's I/O never reaches io_submit");
            assertEquals(1, backend.bufferedRequests());
            assertEquals(PAGE, Files.size(path));
            assertEquals(0, backend.inFlight());
        }
        finally
        {
            delete(buffered);
        }
    }

    @Test
    void shouldCompleteARefusedIocbWithItsErrnoAndSubmitTheRestLater() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "refused", 4);
        try (AioBackend backend = backend(4))
        {
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            backend.prepare(single(slots[0], RequestOp.READ, file, aligned(PAGE), 0));
            final Request bad = single(slots[1], RequestOp.READ, file, aligned(PAGE), PAGE);
            bad.fd = Integer.MAX_VALUE;
            backend.prepare(bad);
            backend.prepare(single(slots[2], RequestOp.READ, file, aligned(PAGE), 2 * PAGE));
            assertEquals(1, backend.submit(), "io_submit stops at the refused iocb");
            assertEquals(0, backend.submit(), "the refused iocb comes first: -EBADF");
            assertEquals(1, backend.submit());
            drive(backend, sink, () -> sink.completed == 3);
            assertEquals(PAGE, sink.results[0]);
            assertEquals(-Errno.EBADF, sink.results[1]);
            assertEquals(PAGE, sink.results[2]);
        }
        finally
        {
            delete(file);
        }
    }

    @Test
    void shouldPassRwFlagsToTheKernel() throws IOException
    {
        final FdFileAccess file = directFile(directories()[0], "rwflags", 2);
        try (AioBackend backend = backend(4))
        {
            final Request[] slots = slots(4);
            final RecordingSink sink = new RecordingSink(4);
            final Request dsync = single(slots[0], RequestOp.WRITE, file, aligned(PAGE), 0);
            dsync.rwFlags = RWF_DSYNC;
            backend.prepare(dsync);
            final Request unknown = single(slots[1], RequestOp.WRITE, file, aligned(PAGE), PAGE);
            unknown.rwFlags = 0x40000000;
            backend.prepare(unknown);
            drive(backend, sink, () -> sink.completed == 2);
            assertEquals(PAGE, sink.results[0]);
            assertEquals(-Errno.EOPNOTSUPP, sink.results[1], "unknown RWF_ flag refused by the kernel");
        }
        finally
        {
            delete(file);
        }
    }
}
