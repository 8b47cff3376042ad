package dev.pageio.direct;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PageStore's handler-based page methods mark pool buffers in flight as the future-returning ones do (issue 11 item
 * 13): the pool refuses to release them (CHECKED) until the I/O ended, the mark ends before the handler runs (so a
 * handler may release its buffer), and the marking allocates nothing per I/O.
 */
class PageStoreHandlerMarksTest
{
    private Path dir;

    @BeforeEach
    void setUp() throws Exception
    {
        dir = TestFiles.ext4Dir("store-marks");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(dir);
    }

    private static PageStoreConfig config(final String engine)
    {
        return PageStoreConfig.builder().engine(engine).pageSizeBytes(4096)
            .buffers(32, AlignedBufferPool.Mode.CHECKED).build();
    }

    /** Releases its attachment (a pool buffer) to the pool from inside the handler, and records what happened. */
    private static final class ReleasingHandler implements IoHandler<ByteBuffer>
    {
        final AlignedBufferPool pool;
        final AtomicReference<Throwable> problem = new AtomicReference<>();
        final AtomicLong bytes = new AtomicLong();
        final CountDownLatch done;

        ReleasingHandler(final AlignedBufferPool pool, final int expected)
        {
            this.pool = pool;
            this.done = new CountDownLatch(expected);
        }

        @Override
        public void completed(final long result, final ByteBuffer buffer, final long token)
        {
            bytes.addAndGet(result);
            try
            {
                pool.release(buffer);
            }
            catch (final RuntimeException e)
            {
                problem.compareAndSet(null, e);
            }
            done.countDown();
        }

        @Override
        public void failed(final IoFailure failure, final ByteBuffer buffer, final long token)
        {
            problem.compareAndSet(null, failure);
            done.countDown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(60)
    void shouldRefuseToReleasePoolBuffersUnderHandlerIoAndLetTheHandlerReleaseThem(final String engine)
        throws Exception
    {
        try (PageStore store = PageStore.open(dir.resolve("marks-" + engine), config(engine)))
        {
            store.grow(4);
            final AlignedBufferPool pool = store.buffers();
            final ByteBuffer written = pool.acquire(TimeUnit.SECONDS.toNanos(10));
            final ByteBuffer read = pool.acquire(TimeUnit.SECONDS.toNanos(10));
            final ReleasingHandler handler = new ReleasingHandler(pool, 2);
            store.ring().pause();
            store.writePage(0, written, handler, written, 0);
            store.readPage(1, read, handler, read, 0);
            assertEquals(2, pool.inFlight(), "both handler-form requests mark their buffers");
            final IllegalStateException release = assertThrows(IllegalStateException.class, () -> pool.release(written));
            assertTrue(release.getMessage().contains("in flight"), release.getMessage());
            final IllegalStateException close = assertThrows(IllegalStateException.class, pool::close);
            assertTrue(close.getMessage().contains("inFlight=2"), close.getMessage());
            assertFalse(pool.isClosed());
            store.ring().resume();
            assertTrue(handler.done.await(30, TimeUnit.SECONDS), "both handlers ran");
            assertNull(handler.problem.get(), "the mark ended before the handler, which released its buffer");
            assertEquals(8192, handler.bytes.get());
            assertEquals(0, pool.inFlight());
        }
    }

    @Test
    @Timeout(60)
    void shouldMarkAnUnpooledBufferNotAtAllAndPassTheAttachmentThrough() throws Exception
    {
        try (PageStore store = PageStore.open(dir.resolve("unpooled"), config("auto")))
        {
            store.grow(1);
            final ByteBuffer own = ByteBuffer.allocateDirect(8192).alignedSlice(4096).limit(4096).slice();
            final AtomicReference<Object> seen = new AtomicReference<>();
            final CountDownLatch done = new CountDownLatch(1);
            final Object attachment = new Object();
            store.writePage(0, own, new IoHandler<Object>()
            {
                @Override
                public void completed(final long result, final Object a, final long token)
                {
                    seen.set(token == 77 ? a : "token=" + token);
                    done.countDown();
                }

                @Override
                public void failed(final IoFailure failure, final Object a, final long token)
                {
                    seen.set(failure);
                    done.countDown();
                }
            }, attachment, 77);
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(attachment, seen.get());
            assertEquals(0, store.buffers().inFlight());
        }
    }

    @Test
    @Timeout(120)
    void shouldMarkWithoutAllocatingInTheSteadyState() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        try (PageStore store = PageStore.open(dir.resolve("alloc"), config("auto")))
        {
            store.grow(64);
            final ByteBuffer page = store.buffers().acquire(TimeUnit.SECONDS.toNanos(10));
            final AtomicLong done = new AtomicLong();
            final int rounds = 20_000;
            long issued = 0;
            long before = 0;
            for (int i = 0; i < 2 * rounds; i++)
            {
                if (i == rounds)
                {
                    CompletionCount.waitFor(done, issued);
                    before = threads.getThreadAllocatedBytes(me);
                }
                store.writePage(i & 63, page, CompletionCount.COUNT, done, 0);
                issued++;
                if ((i & 15) == 15)
                {
                    CompletionCount.waitFor(done, issued);
                }
            }
            final long allocated = threads.getThreadAllocatedBytes(me) - before;
            CompletionCount.waitFor(done, issued);
            assertEquals(issued, done.get(), "every write succeeded");
            assertEquals(0, store.buffers().inFlight());
            System.out.println("PageStoreHandlerMarksTest: bytes allocated by the submitting thread for " + rounds +
                " marked handler-form writes: " + allocated);
            // A few stray bytes (the JIT) are tolerated; one object per write would be >= 320 KB.
            assertTrue(allocated < rounds, "allocated=" + allocated + " for " + rounds + " writes");
            store.buffers().release(page);
        }
    }
}
