package dev.pageio.testing;

import dev.pageio.core.AgentWaitException;
import dev.pageio.core.BarrierMode;
import dev.pageio.core.BarrierObserver;
import dev.pageio.core.BatchMode;
import dev.pageio.core.CancelOutcome;
import dev.pageio.core.ClosedFileException;
import dev.pageio.core.ClosedRingException;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.IoStatus;
import dev.pageio.core.QueueFullException;
import dev.pageio.core.RingConfig;
import dev.pageio.core.TestRings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The contract every engine keeps. A subclass names the engine, the directory (ext4 or tmpfs) and how a file is
 * opened (buffered, or O_DIRECT through {@code adopt}). Sizes and offsets are multiples of {@link #PAGE} and
 * buffers are page-aligned, so that the same tests hold on O_DIRECT files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EngineConformanceTest
{
    /** Page size of the tests: a multiple of every O_DIRECT alignment seen. */
    protected static final int PAGE = 4096;

    protected IoRing ring;
    protected Path dir;
    private final List<IoRing> extraRings = new ArrayList<>();

    /** @return the engine's name for {@link RingConfig.Builder#engine}. */
    protected abstract String engine();

    /** @return a directory for test files (created if missing). */
    protected abstract Path directory();

    /** Opens (creating) a read-write file on the ring: buffered by default; O_DIRECT subclasses override. */
    protected IoFile openFile(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    }

    /** Opens an existing file write-only: reads on it fail with EBADF from the operating system. */
    protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.WRITE);
    }

    /** Opens an existing file read-only: writes on it fail with EBADF from the operating system. */
    protected IoFile openReadOnly(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ);
    }

    /**
     * Opens a FIFO read-write on the ring (so that the open does not wait for a writer, and a read waits for data
     * nobody writes): buffered by default; O_DIRECT subclasses override as for their files.
     */
    protected IoFile openFifo(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    protected RingConfig.Builder config()
    {
        return RingConfig.builder().engine(engine()).queueDepth(64).name("conf-" + engine());
    }

    @BeforeEach
    void openRing() throws IOException
    {
        dir = Files.createDirectories(directory()).resolve("conformance-" + System.nanoTime());
        Files.createDirectories(dir);
        ring = IoRing.open(config().build());
        assertEquals(engine(), ring.engineName());
    }

    @AfterEach
    void closeRing() throws IOException
    {
        if (ring != null)
        {
            ring.close();
        }
        for (final IoRing r : extraRings)
        {
            r.close();
        }
        if (dir != null && Files.exists(dir))
        {
            try (var files = Files.list(dir))
            {
                for (final Path p : (Iterable<Path>)files::iterator)
                {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    protected IoRing extraRing(final RingConfig config) throws IOException
    {
        final IoRing r = IoRing.open(config);
        extraRings.add(r);
        return r;
    }

    /** A page-aligned direct buffer of {@code size} bytes. */
    protected static ByteBuffer buffer(final int size)
    {
        return ByteBuffer.allocateDirect(size + PAGE).alignedSlice(PAGE).limit(size).slice();
    }

    protected static ByteBuffer pattern(final int size, final long seed)
    {
        final ByteBuffer b = buffer(size);
        final Random random = new Random(seed);
        for (int i = 0; i < size; i++)
        {
            b.put(i, (byte)random.nextInt());
        }
        return b;
    }

    protected static byte[] bytes(final ByteBuffer b)
    {
        final byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    protected static <T> T get(final CompletableFuture<T> f) throws Exception
    {
        try
        {
            return f.get(30, TimeUnit.SECONDS);
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof Exception)
            {
                throw (Exception)e.getCause();
            }
            throw e;
        }
    }

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

    // ------------------------------------------------------------------------------------------ concurrency

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldKeepEveryByteWithEightThreadsAndAHundredThousandOperations() throws Exception
    {
        final int threads = 8;
        final int pagesPerThread = 64;
        final int iterations = 6_250; // each iteration: one write and one read; 8 × 6,250 × 2 = 100,000 operations
        final long seed = System.nanoTime();
        final IoRing big = extraRing(config().queueDepth(256).build());
        try (IoFile file = openFile(big, dir.resolve("concurrent")))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final AtomicLong operations = new AtomicLong();
            final List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                results.add(pool.submit(() ->
                {
                    final ByteBuffer src = buffer(PAGE);
                    final ByteBuffer dst = buffer(PAGE);
                    final Random random = new Random(seed + thread);
                    final long[] version = new long[pagesPerThread];
                    for (int i = 0; i < iterations; i++)
                    {
                        final int page = random.nextInt(pagesPerThread);
                        final long offset = (long)(thread * pagesPerThread + page) * PAGE;
                        version[page] = i + 1;
                        fill(src, thread, page, version[page]);
                        assertEquals(PAGE, get(file.write(offset, src)));
                        final int check = random.nextInt(pagesPerThread);
                        final long checkOffset = (long)(thread * pagesPerThread + check) * PAGE;
                        dst.clear();
                        final long n = get(file.read(checkOffset, dst));
                        operations.addAndGet(2);
                        if (version[check] == 0)
                        {
                            continue;
                        }
                        assertEquals(PAGE, n);
                        verify(dst, thread, check, version[check], seed);
                    }
                    return null;
                }));
            }
            for (final Future<?> f : results)
            {
                try
                {
                    f.get(280, TimeUnit.SECONDS);
                }
                catch (final ExecutionException e)
                {
                    throw new AssertionError("seed=" + seed + ": " + e.getCause(), e.getCause());
                }
            }
            pool.shutdown();
            assertEquals(100_000, operations.get());
        }
    }

    private static void fill(final ByteBuffer b, final int thread, final int page, final long version)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            b.putLong(i, (version << 32) ^ ((long)thread << 24) ^ ((long)page << 12) ^ i);
        }
    }

    private static void verify(final ByteBuffer b, final int thread, final int page, final long version, final long seed)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            final long expected = (version << 32) ^ ((long)thread << 24) ^ ((long)page << 12) ^ i;
            if (b.getLong(i) != expected)
            {
                throw new AssertionError("byte mismatch: thread=" + thread + " page=" + page + " version=" + version +
                    " at=" + i + " seed=" + seed);
            }
        }
    }

    // -------------------------------------------------------------------------------------------- barriers

    @Test
    void shouldSyncOnceForABarrierAfterWritesAndNotAgainWhenCovered() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("barrier")))
        {
            assertEquals(0L, get(file.barrier(BarrierMode.DATA)), "nothing to cover: no sync");
            assertEquals(0, file.barrierSyncs());
            for (int i = 0; i < 8; i++)
            {
                file.write((long)i * PAGE, pattern(PAGE, i));
            }
            assertEquals(8L, get(file.barrier(BarrierMode.DATA)), "covers the 8 writes accepted before it");
            final long syncs = file.barrierSyncs();
            assertTrue(syncs >= 1 && syncs <= 8, "syncs=" + syncs);
            assertEquals(8L, get(file.barrier(BarrierMode.DATA)));
            assertEquals(syncs, file.barrierSyncs(), "an already covered barrier makes no system call");
            for (int i = 0; i < 8; i++)
            {
                final ByteBuffer dst = buffer(PAGE);
                get(file.read((long)i * PAGE, dst));
                assertArrayEquals(bytes(pattern(PAGE, i)), bytes(dst));
            }
        }
    }

    @Test
    void shouldCoalesceConcurrentBarriersIntoFewerSyncs() throws Exception
    {
        final IoRing big = extraRing(config().queueDepth(256).build());
        try (IoFile file = openFile(big, dir.resolve("group-commit")))
        {
            final int threads = 8;
            final int commits = 50;
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    final ByteBuffer page = pattern(PAGE, thread);
                    for (int i = 0; i < commits; i++)
                    {
                        get(file.write((long)(thread * commits + i) * PAGE, page));
                        get(file.barrier(BarrierMode.DATA));
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals((long)threads * commits, file.barriersCompleted());
            assertTrue(file.barrierSyncs() <= file.barriersCompleted(),
                "syncs=" + file.barrierSyncs() + " barriers=" + file.barriersCompleted());
        }
    }

    @Test
    void shouldMakeABarrierOverSeveralFilesAndWriteOnlyAfterABarrier() throws Exception
    {
        try (IoFile wal = openFile(ring, dir.resolve("wal")); IoFile data = openFile(ring, dir.resolve("data")))
        {
            wal.write(0, pattern(PAGE, 1));
            data.write(0, pattern(PAGE, 2));
            get(ring.barrier(BarrierMode.DATA, wal, data));
            assertTrue(wal.barrierSyncs() >= 1 && data.barrierSyncs() >= 1);

            wal.write(PAGE, pattern(PAGE, 3));
            final CompletableFuture<Long> page = data.writeAfter(wal.barrier(BarrierMode.DATA), PAGE, pattern(PAGE, 4));
            assertEquals(PAGE, get(page));
            final ByteBuffer dst = buffer(PAGE);
            get(data.read(PAGE, dst));
            assertArrayEquals(bytes(pattern(PAGE, 4)), bytes(dst));

            final CompletableFuture<Long> failed = new CompletableFuture<>();
            failed.completeExceptionally(new IllegalStateException("wal barrier failed"));
            final ExecutionException refused = assertThrows(ExecutionException.class,
                () -> data.writeAfter(failed, 2L * PAGE, pattern(PAGE, 5)).get(30, TimeUnit.SECONDS));
            final IoFailure why = assertInstanceOf(IoFailure.class, refused.getCause());
            assertTrue(why.getMessage().contains("not issued"), why.getMessage());
            assertEquals(2L * PAGE, data.size(), "the refused write was not issued");
        }
    }

    @Test
    void shouldBarrierBeforeClosingAFileWithWrites() throws Exception
    {
        final IoFile file = openFile(ring, dir.resolve("close-barrier"));
        for (int i = 0; i < 4; i++)
        {
            file.write((long)i * PAGE, pattern(PAGE, i));
        }
        file.close();
        assertTrue(file.barrierSyncs() >= 1, "close is a barrier, then close");
        assertTrue(file.barriersCompleted() >= 1);
    }

    @Test
    void shouldBarrierEachFileWhenTheRingCloses() throws Exception
    {
        final IoRing r = extraRing(config().build());
        final IoFile a = openFile(r, dir.resolve("ring-close-a"));
        final IoFile b = openFile(r, dir.resolve("ring-close-b"));
        get(a.write(0, pattern(PAGE, 1)));
        get(b.write(0, pattern(PAGE, 2)));
        assertEquals(0, a.barrierSyncs());
        r.close();
        assertEquals(1, a.barrierSyncs(), "ring close is a barrier for each file (BARRIER.md rule 11)");
        assertEquals(1, b.barrierSyncs(), "ring close is a barrier for each file (BARRIER.md rule 11)");
        assertNull(get(a.closeAsync()));
        assertNull(get(b.closeAsync()));
    }

    /** A file whose barriers fail: a write on it failed (EBADF on a read-only descriptor), which poisons it. */
    private IoFile poisonedFile(final IoRing r, final String name) throws Exception
    {
        final Path path = dir.resolve(name);
        try (IoFile file = openFile(r, path))
        {
            get(file.write(0, pattern(PAGE, 1)));
        }
        final IoFile readOnly = openReadOnly(r, path);
        final ExecutionException e = assertThrows(ExecutionException.class,
            () -> readOnly.write(0, pattern(PAGE, 2)).get(30, TimeUnit.SECONDS));
        assertEquals(Errno.EBADF, assertInstanceOf(IoFailure.class, e.getCause()).errno());
        return readOnly;
    }

    @Test
    void shouldReportAFailedBarrierOfTheRingsCloseTypedAndNamingTheFile() throws Exception
    {
        final IoRing r = extraRing(config().build());
        final IoFile poisoned = poisonedFile(r, "ring-close-poisoned");
        final IoFile healthy = openFile(r, dir.resolve("ring-close-healthy"));
        get(healthy.write(0, pattern(PAGE, 3)));
        final IoFailure failure = assertThrows(IoFailure.class, r::close);
        assertEquals(Errno.EBADF, failure.errno(), failure.getMessage());
        assertTrue(failure.path().endsWith("ring-close-poisoned"), failure.path());
        assertTrue(r.terminated().isDone());
        final ExecutionException e = assertThrows(ExecutionException.class, () -> poisoned.closeAsync().get());
        assertSame(failure, e.getCause(), "the close future fails with the same failure as its cause");
        assertNull(get(healthy.closeAsync()), "the healthy file closed cleanly");
        assertEquals(1, healthy.barrierSyncs());
        r.close(); // idempotent: reported once
    }

    @Test
    void shouldThrowTheOriginalTypedFailureWhenClosingAFileAfterAFailure() throws Exception
    {
        final IoFile poisoned = poisonedFile(ring, "file-close-poisoned");
        final IoFailure failure = assertThrows(IoFailure.class, poisoned::close);
        assertEquals(Errno.EBADF, failure.errno(), failure.getMessage());
        assertEquals(IoOp.WRITE, failure.op());
        assertTrue(failure.path().endsWith("file-close-poisoned"), failure.path());
        final ExecutionException e = assertThrows(ExecutionException.class, () -> poisoned.closeAsync().get());
        assertSame(failure, e.getCause());
        poisoned.close(); // idempotent: reported once
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldIssueEverySyncAfterTheCompletionsItCovers() throws Exception
    {
        final OrderingDetector detector = new OrderingDetector();
        final IoRing observed = extraRing(config().queueDepth(512).barrierObserver(detector).build());
        runBarrierWorkload(observed, "ordering");
        assertTrue(detector.syncs.get() > 0, "no sync was issued");
        assertEquals(0, detector.violations.get(), detector.firstViolation.get());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldIssueEverySyncAfterTheCompletionsItCoversWithSeveralSyncsInFlight() throws Exception
    {
        // Rule 4 pipelined, on the real engine: committers each write a page and wait for its barrier.
        final int syncsInFlightMax = 4;
        final OrderingDetector detector = new OrderingDetector();
        final IoRing observed = extraRing(config().queueDepth(256).barrierSyncsInFlightMax(syncsInFlightMax)
            .barrierObserver(detector).build());
        final int threads = 8;
        final int commits = 40;
        try (IoFile file = openFile(observed, dir.resolve("ordering-pipelined")))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    final ByteBuffer page = pattern(PAGE, thread);
                    for (int i = 0; i < commits; i++)
                    {
                        get(file.write((long)(thread * commits + i) * PAGE, page));
                        get(file.barrier(BarrierMode.DATA));
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals((long)threads * commits, file.barriersCompleted());
            assertTrue(file.barrierSyncs() <= file.barriersCompleted(),
                "syncs=" + file.barrierSyncs() + " barriers=" + file.barriersCompleted());
        }
        assertTrue(detector.syncs.get() > 0, "no sync was issued");
        assertEquals(0, detector.violations.get(), detector.firstViolation.get());
        assertTrue(detector.maxInFlight.get() <= syncsInFlightMax, "syncs in flight=" + detector.maxInFlight.get());
        System.out.println("EngineConformanceTest[" + engine() + "]: " + threads + " committers, K=" + syncsInFlightMax +
            ": syncs=" + detector.syncs.get() + " most in flight=" + detector.maxInFlight.get());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldCatchTheNaiveModeWithTheSameDetector() throws Exception
    {
        // The detector proves something only if it catches a barrier that syncs before its writes completed.
        int caught = 0;
        for (int attempt = 0; attempt < 5 && caught == 0; attempt++)
        {
            final OrderingDetector detector = new OrderingDetector();
            final IoRing naive = TestRings.openWithNaiveBarriers(config().queueDepth(512).barrierObserver(detector).build());
            extraRings.add(naive);
            runBarrierWorkload(naive, "naive-" + attempt);
            caught = detector.violations.get();
        }
        Assumptions.assumeTrue(caught > 0,
            "INCONCLUSIVE: the naive mode was not caught in 5 runs on engine " + engine() +
            " (its writes completed before the sync was issued every time)");
    }

    private void runBarrierWorkload(final IoRing r, final String name) throws Exception
    {
        try (IoFile file = openFile(r, dir.resolve(name)))
        {
            get(file.write(0, pattern(256 * PAGE, 1)));
            final ByteBuffer page = pattern(PAGE, 2);
            for (int round = 0; round < 4; round++)
            {
                final List<CompletableFuture<Long>> writes = new ArrayList<>();
                for (int i = 0; i < 256; i++)
                {
                    writes.add(file.write((long)i * PAGE, page));
                }
                final CompletableFuture<Long> barrier = file.barrier(BarrierMode.DATA);
                for (final CompletableFuture<Long> w : writes)
                {
                    get(w);
                }
                try
                {
                    get(barrier);
                }
                catch (final IoFailure ignore)
                {
                    // the naive mode may fail; the detector is what is checked
                }
            }
        }
    }

    /** Records write completions and sync issues by sequence number and checks each sync against them. */
    static final class OrderingDetector implements BarrierObserver
    {
        final ConcurrentHashMap<Long, Long> completedAt = new ConcurrentHashMap<>();
        final AtomicInteger violations = new AtomicInteger();
        final AtomicInteger syncs = new AtomicInteger();
        final AtomicReference<String> firstViolation = new AtomicReference<>("none");
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        private final List<long[]> issued = new CopyOnWriteArrayList<>();

        @Override
        public void syncCompleted(final IoFile file, final long covers, final boolean full, final int errno,
            final long nanoTime)
        {
            inFlight.decrementAndGet();
        }

        @Override
        public void writeCompleted(final IoFile file, final long writeSeq, final boolean ok, final long nanoTime)
        {
            completedAt.put(writeSeq, nanoTime);
            // A sync issued earlier that covers this write came before its completion: a violation.
            for (final long[] sync : issued)
            {
                if (writeSeq <= sync[0] && sync[1] < nanoTime)
                {
                    if (violations.getAndIncrement() == 0)
                    {
                        firstViolation.set("sync covering seq<=" + sync[0] + " issued at " + sync[1] +
                            " before write seq=" + writeSeq + " completed at " + nanoTime);
                    }
                    issued.remove(sync);
                    break;
                }
            }
        }

        @Override
        public void syncIssued(final IoFile file, final long covers, final boolean full, final long nanoTime)
        {
            syncs.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            for (long s = 1; s <= covers; s++)
            {
                if (!completedAt.containsKey(s))
                {
                    issued.add(new long[] {covers, nanoTime});
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- leaks

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldNotLeakDescriptorsOverTenThousandOpensAndCloses() throws Exception
    {
        final Path path = dir.resolve("leak");
        final long before = openDescriptors();
        final RingConfig small = config().queueDepth(8).workerThreads(1).build();
        for (int i = 0; i < 10_000; i++)
        {
            try (IoRing r = IoRing.open(small); IoFile file = openFile(r, path))
            {
                if (i % 1000 == 0)
                {
                    get(file.write(0, pattern(PAGE, i)));
                }
            }
        }
        final long after = openDescriptors();
        assertTrue(after <= before + 2, "descriptors before=" + before + " after=" + after);
    }

    protected static long openDescriptors() throws IOException
    {
        final Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds))
        {
            return 0;
        }
        try (var list = Files.list(fds))
        {
            return list.count();
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
