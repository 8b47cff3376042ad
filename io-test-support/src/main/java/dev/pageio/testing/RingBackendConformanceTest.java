package dev.pageio.testing;

import dev.pageio.core.Errno;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.RequestOp;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract of {@link RingBackend}, driven by hand the way the ring agent drives it (prepare, submit, reap,
 * await), held by every backend: io_uring, aio, threads and the simulated device. A subclass opens the backend and
 * a file it can serve. Results are checked as the SPI states them: bytes, exact errnos, one completion per request.
 *
 * <p>A wait that never ends fails by the class timeout: no test asserts on time.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RingBackendConformanceTest
{
    /** Page size of the tests: a multiple of every O_DIRECT alignment seen. */
    protected static final int PAGE = 4096;
    /** Queue depth of the backends under test. */
    protected static final int QUEUE_DEPTH = 4;
    private static final int MAX_SEGMENTS = 4;
    private static final long AWAIT_NS = TimeUnit.MILLISECONDS.toNanos(10);

    /** The backend under test, opened before each test and closed after it. */
    protected RingBackend backend;
    /** The test's file, opened before each test and deleted after it. */
    protected FileAccess file;
    private Recording sink;

    /**
     * @param queueDepth the ring's queue depth.
     * @param maxSegments the most segments of a vectored request.
     * @return a new backend, as its engine opens it.
     * @throws IOException when the engine could not open it.
     */
    protected abstract RingBackend openBackend(int queueDepth, int maxSegments) throws IOException;

    /**
     * @return an empty read-write file the backend can serve (O_DIRECT where the backend needs it).
     * @throws IOException as the operating system reported it.
     */
    protected abstract FileAccess openFile() throws IOException;

    /**
     * Closes and removes the file.
     *
     * @param file the file {@link #openFile()} opened.
     * @throws IOException as the operating system reported it.
     */
    protected abstract void deleteFile(FileAccess file) throws IOException;

    /**
     * @param queueDepth  the ring's queue depth.
     * @param maxSegments the most segments of a vectored request.
     * @return the RingConfig the backends of this suite are opened with.
     */
    protected static RingConfig config(final int queueDepth, final int maxSegments)
    {
        return RingConfig.builder().queueDepth(queueDepth).maxSegments(maxSegments).name("backend-conformance").build();
    }

    @BeforeEach
    void open() throws IOException
    {
        backend = openBackend(QUEUE_DEPTH, MAX_SEGMENTS);
        file = openFile();
        sink = new Recording(QUEUE_DEPTH);
    }

    @AfterEach
    void close() throws IOException
    {
        if (backend != null)
        {
            backend.close();
        }
        if (file != null)
        {
            deleteFile(file);
        }
    }

    /**
     * @param size bytes.
     * @return a page-aligned direct buffer of {@code size} bytes.
     */
    protected static ByteBuffer buffer(final int size)
    {
        return ByteBuffer.allocateDirect(size + PAGE).alignedSlice(PAGE).limit(size).slice();
    }

    private Request request(final int index, final RequestOp op, final long fileOffset, final ByteBuffer buffer,
        final int position, final int length)
    {
        final Request r = new Request(index, MAX_SEGMENTS);
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        r.fileOffset = fileOffset;
        r.buffer = buffer;
        r.bufferPosition = position;
        r.length = length;
        return r;
    }

    /** Prepares (offering again after a reap while the backend says it is full), then submits. */
    private void prepareAndSubmit(final Request request)
    {
        while (!backend.prepare(request))
        {
            backend.submit();
            backend.reap(sink);
            backend.await(AWAIT_NS);
        }
        backend.submit();
    }

    private void driveUntil(final BooleanSupplier done)
    {
        while (!done.getAsBoolean())
        {
            backend.submit();
            backend.reap(sink);
            if (!done.getAsBoolean())
            {
                backend.await(AWAIT_NS);
            }
        }
    }

    private void writePages(final int pages)
    {
        final int before = sink.completions;
        prepareAndSubmit(request(0, RequestOp.WRITE, 0, buffer(pages * PAGE), 0, pages * PAGE));
        driveUntil(() -> sink.completions == before + 1);
        assertEquals(pages * PAGE, sink.results[0], "the setup write");
    }

    @Test
    void shouldTakeQueueDepthRequestsAndCompleteEachExactlyOnceThenTakeThemAgain()
    {
        writePages(1);
        for (int round = 0; round < 2; round++)
        {
            sink.reset();
            final int before = sink.completions;
            for (int i = 0; i < QUEUE_DEPTH; i++)
            {
                // a prepare that answers false keeps nothing: the request is offered again after reaping
                prepareAndSubmit(request(i, RequestOp.READ, 0, buffer(PAGE), 0, PAGE));
            }
            driveUntil(() -> sink.completions == before + QUEUE_DEPTH);
            for (int i = 0; i < QUEUE_DEPTH; i++)
            {
                assertEquals(PAGE, sink.results[i], "round " + round + " request " + i);
            }
            assertEquals(0, backend.inFlight());
        }
        assertEquals(1 + 2 * QUEUE_DEPTH, sink.completions, "the setup write and two rounds");
        assertEquals(0, sink.duplicates);
    }

    @Test
    void shouldCompleteUnencodableRequestsWithEinvalThroughTheSink()
    {
        final ByteBuffer page = buffer(PAGE);
        prepareAndSubmit(request(0, RequestOp.READ, -PAGE, page, 0, PAGE));
        prepareAndSubmit(request(1, RequestOp.READ, 0, page, PAGE, PAGE));
        final Request segment = request(2, RequestOp.READV, 0, null, 0, PAGE);
        segment.buffers = new ByteBuffer[] {page};
        segment.segmentCount = 1;
        segment.segmentBuffers[0] = 5;
        segment.segmentLengths[0] = PAGE;
        prepareAndSubmit(segment);
        driveUntil(() -> sink.completions == 3);
        assertEquals(-Errno.EINVAL, sink.results[0], "negative offset");
        assertEquals(-Errno.EINVAL, sink.results[1], "range past the buffer's capacity");
        assertEquals(-Errno.EINVAL, sink.results[2], "segment names a buffer that is not there");
        assertEquals(0, backend.inFlight());
    }

    @Test
    void shouldReportAShortReadAtTheEndOfTheFile()
    {
        writePages(1);
        prepareAndSubmit(request(1, RequestOp.READ, 0, buffer(2 * PAGE), 0, 2 * PAGE));
        driveUntil(() -> sink.completions == 2);
        assertEquals(PAGE, sink.results[1], "one page of two: the backend reports the short read, not an error");
        prepareAndSubmit(request(2, RequestOp.READ, PAGE, buffer(PAGE), 0, PAGE));
        driveUntil(() -> sink.completions == 3);
        assertEquals(0, sink.results[2], "a read at the end of the file transfers nothing");
    }

    @Test
    void shouldAnswerACancelOfAReapedRequestAndNotCompleteItAgain()
    {
        writePages(1);
        final Request done = sink.completed[0];
        backend.cancel(done);
        driveUntil(() -> sink.cancelAnswers == 1);
        final int answer = sink.cancelResults[0];
        assertTrue(answer == -Errno.ENOENT || answer == -Errno.EALREADY, "answer=" + answer);
        assertEquals(1, sink.completions, "no second completion");
        assertEquals(0, backend.inFlight());
    }

    @Test
    void shouldCompleteACanceledRequestExactlyOnceWithAnAnswer()
    {
        writePages(1);
        final Request read = request(1, RequestOp.READ, 0, buffer(PAGE), 0, PAGE);
        prepareAndSubmit(read);
        backend.cancel(read);
        driveUntil(() -> sink.completions == 2 && sink.cancelAnswers == 1);
        final int answer = sink.cancelResults[1];
        assertTrue(answer == 0 || answer == -Errno.ENOENT || answer == -Errno.EALREADY, "answer=" + answer);
        final long result = sink.results[1];
        assertTrue(result == PAGE || result == -Errno.ECANCELED, "result=" + result);
        if (answer == 0)
        {
            assertEquals(-Errno.ECANCELED, result, "canceled: it completes with ECANCELED");
        }
        assertEquals(0, sink.duplicates);
        assertEquals(0, backend.inFlight());
    }

    @Test
    void shouldReturnFromAwaitWhenWokenBeforeTheCall()
    {
        backend.wakeup();
        // a lost wakeup would block for the whole wait and fail by the class timeout
        backend.await(TimeUnit.MINUTES.toNanos(5));
        assertEquals(0, backend.inFlight());
    }

    @Test
    void shouldReturnFromAwaitWhenWokenFromAnotherThread() throws InterruptedException
    {
        final CountDownLatch started = new CountDownLatch(1);
        final Thread waker = new Thread(() ->
        {
            try
            {
                started.await();
                // wake until the agent below has returned: the first wakeup may come before it blocks
                while (!Thread.currentThread().isInterrupted())
                {
                    backend.wakeup();
                    Thread.sleep(5);
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }, "backend-conformance-waker");
        waker.start();
        try
        {
            started.countDown();
            backend.await(TimeUnit.MINUTES.toNanos(5));
        }
        finally
        {
            waker.interrupt();
            waker.join();
        }
        assertFalse(waker.isAlive());
    }

    @Test
    void shouldReturnFromAwaitWhenARequestCompletes()
    {
        writePages(1);
        prepareAndSubmit(request(1, RequestOp.READ, 0, buffer(PAGE), 0, PAGE));
        while (sink.completions < 2)
        {
            backend.await(TimeUnit.MINUTES.toNanos(5));
            backend.submit();
            backend.reap(sink);
        }
        assertEquals(PAGE, sink.results[1]);
    }

    /** Records each completion and cancel answer by slot index. */
    private static final class Recording implements CompletionSink
    {
        final long[] results;
        final int[] cancelResults;
        final Request[] completed;
        final boolean[] done;
        int completions;
        int cancelAnswers;
        int duplicates;

        Recording(final int queueDepth)
        {
            results = new long[queueDepth];
            cancelResults = new int[queueDepth];
            completed = new Request[queueDepth];
            done = new boolean[queueDepth];
        }

        void reset()
        {
            Arrays.fill(done, false);
        }

        @Override
        public void complete(final Request request, final long result)
        {
            if (done[request.index])
            {
                duplicates++;
            }
            done[request.index] = true;
            results[request.index] = result;
            completed[request.index] = request;
            completions++;
        }

        @Override
        public void cancelResult(final Request request, final int result)
        {
            cancelResults[request.index] = result;
            cancelAnswers++;
        }
    }
}
