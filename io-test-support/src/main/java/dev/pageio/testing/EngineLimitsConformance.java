package dev.pageio.testing;

import dev.pageio.core.AgentWaitException;
import dev.pageio.core.ClosedFileException;
import dev.pageio.core.ClosedRingException;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.QueueFullException;
import dev.pageio.core.RingConfig;
import dev.pageio.core.TestRings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance suite, part two (see {@link EngineConformanceTest}): argument errors, back-pressure, the close of
 * files and rings, and who drives the ring (caller mode, handlers that throw or wait).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EngineLimitsConformance extends EngineRequestConformance
{
    // --------------------------------------------------------------------------------------- argument errors

    @Test
    void shouldRejectBadArgumentsAtTheCallWithTheValueAndTheRule() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("args")))
        {
            final IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> file.read(-1, buffer(PAGE)));
            assertTrue(negative.getMessage().contains("offset=-1"), negative.getMessage());

            final IllegalArgumentException overflow = assertThrows(IllegalArgumentException.class,
                () -> file.write(Long.MAX_VALUE - PAGE + 1 - (Long.MAX_VALUE - PAGE + 1) % PAGE + PAGE - PAGE, buffer(2 * PAGE)));
            assertTrue(overflow.getMessage().contains("overflow"), overflow.getMessage());

            assertThrows(NullPointerException.class, () -> file.read(0, (ByteBuffer)null));
            assertThrows(NullPointerException.class, () -> file.readv(0, (ByteBuffer[])null));
            final NullPointerException segment = assertThrows(NullPointerException.class,
                () -> file.writev(0, new ByteBuffer[] {buffer(PAGE), null}));
            assertTrue(segment.getMessage().contains("segment=1"), segment.getMessage());
            assertThrows(NullPointerException.class, () -> file.read(0, buffer(PAGE), null, null, 0));

            final IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> file.read(0, buffer(PAGE).asReadOnlyBuffer()));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());

            final ByteBuffer[] tooMany = new ByteBuffer[ring.config().maxSegments() + 1];
            for (int i = 0; i < tooMany.length; i++)
            {
                tooMany[i] = buffer(PAGE);
            }
            final IllegalArgumentException segments = assertThrows(IllegalArgumentException.class,
                () -> file.readv(0, tooMany));
            assertTrue(segments.getMessage().contains("maxSegments=" + ring.config().maxSegments()), segments.getMessage());

            if (ring.backend().requiresDirectBuffers())
            {
                final IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> file.write(0, ByteBuffer.allocate(PAGE)));
                assertTrue(heap.getMessage().contains("not direct"), heap.getMessage());
            }
            assertEquals(0, TestRings.slotsInUse(ring), "a refused request holds no slot");
        }
    }

    @Test
    void shouldRefuseRequestsOnAClosedFileAndAClosedRing() throws Exception
    {
        final IoFile file = openFile(ring, dir.resolve("closed"));
        get(file.write(0, pattern(PAGE, 1)));
        file.close();
        file.close();
        assertTrue(file.isClosed());
        final ClosedFileException closedFile = assertThrows(ClosedFileException.class, () -> file.read(0, buffer(PAGE)));
        assertTrue(closedFile.getMessage().contains("closed"), closedFile.getMessage());

        final IoFile other = openFile(ring, dir.resolve("closed2"));
        ring.close();
        ring.close();
        assertTrue(ring.isClosed());
        assertThrows(ClosedRingException.class, () -> other.write(0, pattern(PAGE, 1)));
        assertThrows(ClosedRingException.class, () -> openFile(ring, dir.resolve("closed3")));
        assertTrue(other.closeAsync().isDone(), "the ring closed its files");
        assertTrue(ring.terminated().isDone());
    }

    @Test
    void shouldDeliverOperatingErrorsAsTypedFailures() throws Exception
    {
        final Path path = dir.resolve("errors");
        try (IoFile file = openFile(ring, path))
        {
            get(file.write(0, pattern(PAGE, 1)));
        }
        try (IoFile writeOnly = openWriteOnly(ring, path))
        {
            final ExecutionException e = assertThrows(ExecutionException.class,
                () -> writeOnly.read(PAGE, buffer(PAGE)).get(30, TimeUnit.SECONDS));
            final IoFailure failure = assertInstanceOf(IoFailure.class, e.getCause());
            assertEquals(IoOp.READ, failure.op());
            assertEquals(Errno.EBADF, failure.errno());
            assertEquals("EBADF", failure.errnoName());
            assertEquals(PAGE, failure.fileOffset());
            assertEquals(PAGE, failure.length());
            assertTrue(failure.path().endsWith("errors"), failure.path());
            assertTrue(failure.getMessage().contains("EBADF"), failure.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------- back-pressure

    @Test
    void shouldRefuseAtOnceWhenFullAndTheTimeoutIsZero() throws Exception
    {
        final IoRing small = extraRing(config().queueDepth(4).submitTimeoutNs(0).build());
        try (IoFile file = openFile(small, dir.resolve("full")))
        {
            small.pause();
            final List<CompletableFuture<Long>> accepted = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                accepted.add(file.write((long)i * PAGE, pattern(PAGE, i)));
            }
            final QueueFullException full = assertThrows(QueueFullException.class, () -> file.write(0, pattern(PAGE, 9)));
            assertTrue(full.getMessage().contains("queueDepth=4"), full.getMessage());
            small.resume();
            for (final CompletableFuture<Long> f : accepted)
            {
                assertEquals(PAGE, get(f), "nothing accepted is dropped");
            }
        }
    }

    @Test
    void shouldWaitForASlotUpToTheTimeout() throws Exception
    {
        final IoRing small = extraRing(config().queueDepth(2).submitTimeoutNs(TimeUnit.MILLISECONDS.toNanos(100)).build());
        try (IoFile file = openFile(small, dir.resolve("wait")))
        {
            small.pause();
            final CompletableFuture<Long> a = file.write(0, pattern(PAGE, 1));
            final CompletableFuture<Long> b = file.write(PAGE, pattern(PAGE, 2));
            final long start = System.nanoTime();
            assertThrows(QueueFullException.class, () -> file.write(0, pattern(PAGE, 3)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(100), "waited the timeout");
            small.resume();
            assertEquals(PAGE, get(a));
            assertEquals(PAGE, get(b));
        }
    }

    @Test
    void shouldTakeASlotThatFreesWhileTheSubmitterWaits() throws Exception
    {
        // A timeout far above any scheduling delay: the slot frees (20 ms after the submitter starts waiting) long
        // before it, even on a loaded machine, so the test does not race the clock.
        final IoRing small = extraRing(config().queueDepth(2).submitTimeoutNs(TimeUnit.SECONDS.toNanos(60)).build());
        try (IoFile file = openFile(small, dir.resolve("wait-free")))
        {
            small.pause();
            final CompletableFuture<Long> a = file.write(0, pattern(PAGE, 1));
            final CompletableFuture<Long> b = file.write(PAGE, pattern(PAGE, 2));
            final CountDownLatch releasing = new CountDownLatch(1);
            final Thread resumer = new Thread(() ->
            {
                try
                {
                    releasing.await();
                    Thread.sleep(20);
                }
                catch (final InterruptedException ignore)
                {
                    Thread.currentThread().interrupt();
                }
                small.resume();
            });
            resumer.start();
            releasing.countDown();
            final CompletableFuture<Long> c = file.write(2L * PAGE, pattern(PAGE, 4));
            assertEquals(PAGE, get(c));
            assertEquals(PAGE, get(a));
            assertEquals(PAGE, get(b));
            resumer.join(TimeUnit.SECONDS.toMillis(30));
            assertFalse(resumer.isAlive(), "the resumer ended");
        }
    }

    // -------------------------------------------------------------------------------------------- close

    @Test
    void shouldFailEveryQueuedRequestWhenTheRingCloses() throws Exception
    {
        final IoFile file = openFile(ring, dir.resolve("close-queued"));
        ring.pause();
        final List<CompletableFuture<Long>> pending = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            pending.add(file.write((long)i * PAGE, pattern(PAGE, i)));
        }
        ring.close();
        for (final CompletableFuture<Long> f : pending)
        {
            assertTrue(f.isDone(), "none left hanging");
            final ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertTrue(assertInstanceOf(IoFailure.class, e.getCause()).canceled());
        }
        assertEquals(0, TestRings.slotsInUse(ring));
    }

    @Test
    void shouldCompleteOrFailEveryRequestWhenTheRingClosesUnderLoad() throws Exception
    {
        final IoFile file = openFile(ring, dir.resolve("close-load"));
        get(file.write(0, pattern(64 * PAGE, 1)));
        final List<CompletableFuture<Long>> pending = new CopyOnWriteArrayList<>();
        final Thread submitter = new Thread(() ->
        {
            try
            {
                for (int i = 0; ; i++)
                {
                    pending.add(file.read((long)(i % 64) * PAGE, buffer(PAGE)));
                }
            }
            catch (final IllegalStateException expected)
            {
                // ClosedRingException / ClosedFileException / QueueFullException once the ring closes
            }
        });
        submitter.start();
        Thread.sleep(50);
        ring.close();
        submitter.join(30_000);
        assertFalse(submitter.isAlive());
        for (final CompletableFuture<Long> f : pending)
        {
            assertTrue(f.isDone(), "none left hanging");
            try
            {
                assertEquals(PAGE, f.get());
            }
            catch (final ExecutionException e)
            {
                assertInstanceOf(IoFailure.class, e.getCause());
            }
        }
    }

    /** A FIFO nobody writes to: a read on it stays in the kernel until canceled. */
    private Path fifo(final String name) throws Exception
    {
        final Path path = dir.resolve(name);
        final Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo " + path);
        return path;
    }

    /**
     * The read ends: canceled through the kernel (ECANCELED), refused by an engine that cannot wait on a stream
     * (ESPIPE: the thread engine's pread), or failed by the close's deadline (ETIMEDOUT). Never left hanging.
     */
    private static void assertEndedByTheClose(final CompletableFuture<Long> read) throws Exception
    {
        assertTrue(read.isDone(), "the stuck read is not left hanging");
        final ExecutionException e = assertThrows(ExecutionException.class, read::get);
        final int errno = assertInstanceOf(IoFailure.class, e.getCause()).errno();
        assertTrue(errno == Errno.ECANCELED || errno == Errno.ESPIPE || errno == Errno.ETIMEDOUT,
            "errno=" + Errno.name(errno) + " " + e.getCause().getMessage());
    }

    @Test
    void shouldCloseTheRingWhileAReadWaitsInTheKernelOnAFifo() throws Exception
    {
        final IoRing r = extraRing(config().closeTimeoutNs(TimeUnit.SECONDS.toNanos(2)).build());
        final IoFile file = openFifo(r, fifo("ring-fifo"));
        final CompletableFuture<Long> read = file.read(0, buffer(PAGE));
        Thread.sleep(100); // let it reach the kernel: the close must cancel it there, not in the queue
        final CompletableFuture<Void> closed = CompletableFuture.runAsync(() ->
        {
            try
            {
                r.close();
            }
            catch (final IoFailure e)
            {
                throw new IllegalStateException(e);
            }
        });
        closed.get(60, TimeUnit.SECONDS);
        assertTrue(r.terminated().isDone());
        assertEndedByTheClose(read);
        assertTrue(file.closeAsync().isDone(), "the ring closed the FIFO");
    }

    @Test
    void shouldCloseAFileWhileAReadWaitsInTheKernelOnAFifo() throws Exception
    {
        final IoRing r = extraRing(config().closeTimeoutNs(TimeUnit.SECONDS.toNanos(2)).build());
        final IoFile file = openFifo(r, fifo("file-fifo"));
        final CompletableFuture<Long> read = file.read(0, buffer(PAGE));
        Thread.sleep(100);
        final CompletableFuture<Void> closed = CompletableFuture.runAsync(() ->
        {
            try
            {
                file.close();
            }
            catch (final IoFailure e)
            {
                throw new IllegalStateException(e);
            }
        });
        closed.get(60, TimeUnit.SECONDS);
        assertEndedByTheClose(read);
        final IoFile other = openFile(r, dir.resolve("after-fifo"));
        assertEquals(PAGE, get(other.write(0, pattern(PAGE, 1))), "the ring goes on");
        other.close();
    }

    @Test
    void shouldCloseAPausedRingWithoutHangingAndBarrierItsFiles() throws Exception
    {
        final IoRing r = extraRing(config().build());
        final IoFile file = openFile(r, dir.resolve("paused-close"));
        get(file.write(0, pattern(PAGE, 1)));
        r.pause();
        final CompletableFuture<Long> held = file.write(PAGE, pattern(PAGE, 2));
        final CompletableFuture<Void> closed = CompletableFuture.runAsync(() ->
        {
            try
            {
                r.close();
            }
            catch (final IoFailure e)
            {
                throw new IllegalStateException(e);
            }
        });
        closed.get(60, TimeUnit.SECONDS);
        final ExecutionException e = assertThrows(ExecutionException.class, held::get);
        assertTrue(assertInstanceOf(IoFailure.class, e.getCause()).canceled(), "a held write is canceled by the close");
        assertEquals(1, file.barrierSyncs(), "the completed write was synced before the close");
        assertNull(get(file.closeAsync()));
    }

    // ------------------------------------------------------------------------------------------ driving

    @Test
    void shouldRunOnTheCallersOwnLoopInCallerMode() throws Exception
    {
        final IoRing callerRing = extraRing(config().threadMode(RingConfig.ThreadMode.CALLER).build());
        try (IoFile file = openFile(callerRing, dir.resolve("caller")))
        {
            final CompletableFuture<Long> w = file.write(0, pattern(2 * PAGE, 1));
            final AtomicReference<Thread> handlerThread = new AtomicReference<>();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!w.isDone() && System.nanoTime() < deadline)
            {
                callerRing.poll();
            }
            assertEquals(2L * PAGE, get(w));
            final ByteBuffer dst = buffer(2 * PAGE);
            final CompletableFuture<Long> r = new CompletableFuture<>();
            file.read(0, dst, new IoHandler<CompletableFuture<Long>>()
            {
                @Override
                public void completed(final long result, final CompletableFuture<Long> f, final long token)
                {
                    handlerThread.set(Thread.currentThread());
                    f.complete(result);
                }

                @Override
                public void failed(final IoFailure failure, final CompletableFuture<Long> f, final long token)
                {
                    f.completeExceptionally(failure);
                }
            }, r, 0);
            while (!r.isDone() && System.nanoTime() < deadline)
            {
                callerRing.poll();
            }
            assertEquals(2L * PAGE, get(r));
            assertEquals(Thread.currentThread(), handlerThread.get(), "handlers run on the polling thread");
            assertArrayEquals(bytes(pattern(2 * PAGE, 1)), bytes(dst));
        }
        assertThrows(IllegalStateException.class, ring::poll, "a dedicated ring is not polled");
    }

    @Test
    void shouldGoOnAfterAHandlerThrows() throws Exception
    {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final IoRing r = extraRing(config().errorHandler(errors::add).build());
        try (IoFile file = openFile(r, dir.resolve("throws")))
        {
            final CountDownLatch called = new CountDownLatch(1);
            file.write(0, pattern(PAGE, 1), new IoHandler<Object>()
            {
                @Override
                public void completed(final long result, final Object attachment, final long token)
                {
                    called.countDown();
                    throw new IllegalStateException("handler bug");
                }

                @Override
                public void failed(final IoFailure failure, final Object attachment, final long token)
                {
                }
            }, null, 0);
            assertTrue(called.await(30, TimeUnit.SECONDS));
            assertEquals(PAGE, get(file.read(0, buffer(PAGE))), "the ring goes on");
            assertEquals(1, errors.size());
            assertEquals("handler bug", errors.get(0).getMessage());
        }
    }

    @Test
    void shouldReportAVirtualMachineErrorOfAHandlerAndCloseTheRing() throws Exception
    {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final IoRing r = extraRing(config().errorHandler(errors::add).build());
        final IoFile file = openFile(r, dir.resolve("vm-error"));
        final StackOverflowError error = new StackOverflowError("handler overflow");
        file.write(0, pattern(PAGE, 1), new IoHandler<Object>()
        {
            @Override
            public void completed(final long result, final Object attachment, final long token)
            {
                throw error;
            }

            @Override
            public void failed(final IoFailure failure, final Object attachment, final long token)
            {
                throw error;
            }
        }, null, 0);
        r.terminated().get(30, TimeUnit.SECONDS); // fails safe: the ring closes itself
        assertTrue(errors.contains(error), "reported to the error handler, not swallowed: " + errors);
        assertSame(error, r.failure());
        assertThrows(ClosedRingException.class, () -> openFile(r, dir.resolve("vm-error-2")));
        assertTrue(file.isClosed(), "the ring closed its files");
    }

    @Test
    void shouldRefuseAtOnceAHandlerThatWaitsForItsOwnRing() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("self-wait")))
        {
            get(file.write(0, pattern(2 * PAGE, 1)));
            final CompletableFuture<Throwable> joined = new CompletableFuture<>();
            final CompletableFuture<Throwable> awaited = new CompletableFuture<>();
            final IoRequest other = new IoRequest();
            file.read(0, buffer(PAGE), new IoHandler<Object>()
            {
                @Override
                public void completed(final long result, final Object attachment, final long token)
                {
                    try
                    {
                        file.read(PAGE, buffer(PAGE)).join();
                        joined.complete(null);
                    }
                    catch (final Throwable t)
                    {
                        joined.complete(t);
                    }
                    try
                    {
                        ring.pause();
                        ring.submit(other.read(file, PAGE, buffer(PAGE)));
                        IoRequest.awaitAny(TimeUnit.SECONDS.toNanos(30), other);
                        awaited.complete(null);
                    }
                    catch (final Throwable t)
                    {
                        awaited.complete(t);
                    }
                    finally
                    {
                        ring.resume();
                    }
                }

                @Override
                public void failed(final IoFailure failure, final Object attachment, final long token)
                {
                    joined.complete(failure);
                }
            }, null, 0);
            assertInstanceOf(AgentWaitException.class, joined.get(30, TimeUnit.SECONDS), "join() of a future of its own ring");
            final Throwable e = awaited.get(30, TimeUnit.SECONDS);
            assertInstanceOf(AgentWaitException.class, e, "awaitAny of a request of its own ring");
            assertTrue(e.getMessage().contains("agent thread"), e.getMessage());
            assertTrue(other.await(30, TimeUnit.SECONDS));
        }
    }
}
