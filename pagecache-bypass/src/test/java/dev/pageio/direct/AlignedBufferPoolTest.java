package dev.pageio.direct;

import dev.pageio.linux.Linux;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlignedBufferPoolTest
{
    @Test
    void shouldAlignEveryBufferToTheLargerOfMemoryAlignmentAndPageSize()
    {
        try (AlignedBufferPool small = new AlignedBufferPool(5, 4096, 512, AlignedBufferPool.Mode.FAST);
             AlignedBufferPool big = new AlignedBufferPool(3, 16384, 8192, AlignedBufferPool.Mode.FAST);
             AlignedBufferPool odd = new AlignedBufferPool(3, 1000, 512, AlignedBufferPool.Mode.FAST))
        {
            assertEquals(4096, small.alignment());
            assertEquals(8192, big.alignment());
            assertEquals(4096, odd.strideBytes());
            for (final AlignedBufferPool pool : new AlignedBufferPool[] {small, big, odd})
            {
                final ByteBuffer[] buffers = pool.buffers();
                assertEquals(pool.bufferCount(), buffers.length);
                for (int i = 0; i < buffers.length; i++)
                {
                    assertEquals(0, buffers[i].alignmentOffset(0, pool.alignment()));
                    assertEquals(pool.baseAddress() + (long)i * pool.strideBytes(), Linux.address(buffers[i]));
                    assertEquals(pool.bufferSizeBytes(), buffers[i].capacity());
                    assertEquals(i, pool.indexOf(buffers[i]));
                }
                assertEquals((long)pool.strideBytes() * pool.bufferCount(), pool.regionBytes());
            }
        }
    }

    @Test
    void shouldHandOutClearedNativeOrderBuffersAndReuseThem()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(2, 4096, 512, AlignedBufferPool.Mode.FAST))
        {
            final ByteBuffer a = pool.acquire();
            a.position(100).limit(200);
            a.order(ByteOrder.BIG_ENDIAN);
            pool.release(a);
            final ByteBuffer b = pool.acquire();
            final ByteBuffer c = pool.acquire();
            assertNull(pool.tryAcquire());
            assertTrue(b == a || c == a);
            assertEquals(0, a.position());
            assertEquals(4096, a.limit());
            assertEquals(ByteOrder.nativeOrder(), a.order());
            assertEquals(2, pool.outstanding());
            pool.release(b);
            pool.release(c);
            assertEquals(0, pool.outstanding());
        }
    }

    @Test
    void shouldReportTheBuffersStillLentWhenItCloses()
    {
        final AlignedBufferPool pool = new AlignedBufferPool(4, 4096, 512, AlignedBufferPool.Mode.FAST);
        assertEquals(-1, pool.lentAtClose(), "open");
        final java.nio.ByteBuffer kept = pool.acquire();
        final java.nio.ByteBuffer returned = pool.acquire();
        pool.release(returned);
        pool.close();
        assertEquals(1, pool.lentAtClose(), "the one never released is reported");
        pool.release(kept); // its memory is freed now
        // closed by hand, not by try-with-resources: what it reports after its close is the point
        final AlignedBufferPool clean = new AlignedBufferPool(2, 4096, 512, AlignedBufferPool.Mode.FAST);
        clean.release(clean.acquire());
        clean.close();
        assertEquals(0, clean.lentAtClose());
    }

    @Test
    void shouldDeferTheReleaseOfABufferUnderIoUntilItEndsInFastMode()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(1, 4096, 512, AlignedBufferPool.Mode.FAST))
        {
            final ByteBuffer b = pool.acquire();
            assertTrue(pool.ioStarted(b));
            assertFalse(pool.ioStarted(ByteBuffer.allocateDirect(4096)), "not a pool buffer: nothing marked");
            pool.release(b);
            assertNull(pool.tryAcquire(), "memory the kernel may still write into is not handed out again");
            assertThrows(IllegalArgumentException.class, () -> pool.release(b), "a second release is still caught");
            pool.ioEnded(b);
            assertSame(b, pool.tryAcquire(), "free once the I/O ended");
            pool.release(b);
        }
    }

    @Test
    void shouldRefuseTheReleaseOfABufferUnderIoAndTheCloseInCheckedMode()
    {
        final AlignedBufferPool pool = new AlignedBufferPool(2, 4096, 512, AlignedBufferPool.Mode.CHECKED);
        final ByteBuffer b = pool.acquire();
        assertTrue(pool.ioStarted(b));
        assertTrue(pool.ioStarted(b), "two I/Os on one buffer (a page written to two places)");
        final IllegalStateException release = assertThrows(IllegalStateException.class, () -> pool.release(b));
        assertTrue(release.getMessage().contains("ios=2"), release.getMessage());
        final IllegalStateException close = assertThrows(IllegalStateException.class, pool::close);
        assertTrue(close.getMessage().contains("inFlight=1"), close.getMessage());
        assertFalse(pool.isClosed());
        pool.ioEnded(b);
        assertThrows(IllegalStateException.class, () -> pool.release(b), "one I/O still in flight");
        pool.ioEnded(b);
        pool.release(b);
        pool.close();
        assertTrue(pool.isClosed());
    }

    @Test
    void shouldRejectADoubleReleaseInBothModes()
    {
        for (final AlignedBufferPool.Mode mode : AlignedBufferPool.Mode.values())
        {
            try (AlignedBufferPool pool = new AlignedBufferPool(2, 4096, 512, mode))
            {
                final ByteBuffer a = pool.acquire();
                pool.release(a);
                final int index = pool.indexOf(a);
                assertEquals("double release: buffer already released: index=" + index,
                    assertThrows(IllegalArgumentException.class, () -> pool.release(a)).getMessage(), mode.name());
                assertEquals(0, pool.outstanding());
            }
        }
    }

    @Test
    void shouldCatchTheReleaseOfAStaleViewAfterTheSlotWasLeasedAgainInCheckedMode()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(1, 4096, 512, AlignedBufferPool.Mode.CHECKED))
        {
            final ByteBuffer first = pool.acquire();
            pool.release(first);
            final ByteBuffer second = pool.acquire(); // same slot, another thread's lease now
            assertNotSame(first, second);
            assertEquals("stale buffer: not the view of this slot's current lease (released twice, or a copy): index=0",
                assertThrows(IllegalArgumentException.class, () -> pool.release(first)).getMessage());
            pool.release(second);
        }
    }

    @Test
    void shouldRejectForeignBuffers()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(2, 4096, 512, AlignedBufferPool.Mode.FAST);
             AlignedBufferPool other = new AlignedBufferPool(2, 4096, 512, AlignedBufferPool.Mode.FAST))
        {
            final ByteBuffer mine = pool.acquire();
            final ByteBuffer theirs = other.acquire();
            for (final ByteBuffer foreign : new ByteBuffer[] {theirs, ByteBuffer.allocate(4096),
                ByteBuffer.allocateDirect(4096), mine.slice(512, 1024), null})
            {
                final String m = assertThrows(IllegalArgumentException.class, () -> pool.release(foreign)).getMessage();
                assertTrue(m.startsWith("foreign buffer: not from this pool: buffer="), m);
            }
            assertEquals("foreign buffer: a copy of a pool buffer, not the one handed out: index=" + pool.indexOf(mine),
                assertThrows(IllegalArgumentException.class, () -> pool.release(mine.duplicate())).getMessage());
            assertEquals(-1, pool.indexOf(theirs));
            pool.release(mine);
            other.release(theirs);
        }
    }

    @Test
    void shouldCatchAWriteAfterReleaseOnTheNextAcquireInCheckedMode()
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(1, 4096, 512, AlignedBufferPool.Mode.CHECKED))
        {
            final ByteBuffer a = pool.acquire();
            a.putLong(0, 42);
            pool.release(a);
            assertEquals(AlignedBufferPool.POISON, a.get(0), "released buffers are poisoned");
            a.put(1000, (byte)7); // the bug: a write after release
            assertEquals("buffer written after release: index=0 offset=1000 expected=0xdb found=0x7",
                assertThrows(IllegalStateException.class, pool::acquire).getMessage());
            assertEquals(0, pool.outstanding());
            final ByteBuffer b = pool.acquire(); // re-poisoned: usable again
            assertNotNull(b);
            pool.release(b);
        }
    }

    @Test
    @Timeout(10)
    void shouldFailFastOrAfterTheTimeoutWhenExhausted() throws InterruptedException
    {
        try (AlignedBufferPool pool = new AlignedBufferPool(1, 4096, 512, AlignedBufferPool.Mode.FAST))
        {
            final ByteBuffer a = pool.acquire();
            assertNull(pool.tryAcquire());
            assertEquals("no free buffer: bufferCount=1 timeoutNs=0",
                assertThrows(PoolExhaustedException.class, pool::acquire).getMessage());
            assertEquals("no free buffer: bufferCount=1 timeoutNs=20000000",
                assertThrows(PoolExhaustedException.class, () -> pool.acquire(20_000_000)).getMessage());
            final Thread releaser = new Thread(() ->
            {
                LockSupportSleep.sleepMs(50);
                pool.release(a);
            });
            releaser.start();
            assertSame(a, pool.acquire(TimeUnit.SECONDS.toNanos(5)));
            releaser.join();
            pool.release(a);
        }
    }

    @Test
    @Timeout(60)
    void shouldGiveEachBufferToOneHolderAtATimeUnderContention() throws Exception
    {
        final int threads = 4;
        final int rounds = 20_000;
        for (final AlignedBufferPool.Mode mode : AlignedBufferPool.Mode.values())
        {
            try (AlignedBufferPool pool = new AlignedBufferPool(3, 4096, 512, mode))
            {
                final ExecutorService executor = Executors.newFixedThreadPool(threads);
                final CountDownLatch start = new CountDownLatch(1);
                final AtomicInteger clashes = new AtomicInteger();
                final List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++)
                {
                    final long tag = 0x1000L + t;
                    futures.add(executor.submit(() ->
                    {
                        start.await();
                        for (int r = 0; r < rounds; r++)
                        {
                            final ByteBuffer b = pool.acquire(TimeUnit.SECONDS.toNanos(10));
                            b.putLong(0, tag);
                            b.putLong(4088, tag);
                            Thread.onSpinWait();
                            if (b.getLong(0) != tag || b.getLong(4088) != tag)
                            {
                                clashes.incrementAndGet();
                            }
                            pool.release(b);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (final Future<?> f : futures)
                {
                    f.get(50, TimeUnit.SECONDS);
                }
                executor.shutdown();
                assertEquals(0, clashes.get(), mode.name());
                assertEquals(0, pool.outstanding());
            }
        }
    }

    @Test
    void shouldFreeNativeMemoryOnCloseAndRefuseUseAfterClose()
    {
        final long before = AlignedBufferPool.nativeBytesAllocated();
        final AlignedBufferPool pool = new AlignedBufferPool(4, 8192, 512, AlignedBufferPool.Mode.FAST);
        assertEquals(before + 4 * 8192, AlignedBufferPool.nativeBytesAllocated());
        pool.close();
        pool.close();
        assertEquals(before, AlignedBufferPool.nativeBytesAllocated());
        assertTrue(pool.isClosed());
        assertEquals("pool closed: bufferCount=4 bufferSizeBytes=8192",
            assertThrows(IllegalStateException.class, pool::tryAcquire).getMessage());
        assertThrows(IllegalStateException.class, pool::acquire);
        assertThrows(IllegalStateException.class, pool::buffers);
        assertThrows(IllegalStateException.class, pool::baseAddress);
        assertThrows(IllegalStateException.class, () -> pool.release(ByteBuffer.allocateDirect(8192)));
    }

    @Test
    void shouldKeepMemoryUntilTheLastOutstandingBufferComesBackAfterClose()
    {
        final long before = AlignedBufferPool.nativeBytesAllocated();
        final AlignedBufferPool pool = new AlignedBufferPool(2, 4096, 512, AlignedBufferPool.Mode.CHECKED);
        final ByteBuffer inFlight = pool.acquire();
        pool.close();
        assertEquals(before + 8192, AlignedBufferPool.nativeBytesAllocated(), "a buffer under I/O keeps the region");
        inFlight.putInt(0, 1); // still valid memory
        pool.release(inFlight);
        assertEquals(before, AlignedBufferPool.nativeBytesAllocated());
        assertThrows(IllegalStateException.class, () -> pool.release(inFlight));
        assertFalse(pool.outstanding() > 0);
    }

    @Test
    void shouldRejectBadSizes()
    {
        assertEquals("bufferCount out of range: bufferCount=0 range=1..1048576", assertThrows(
            IllegalArgumentException.class, () -> new AlignedBufferPool(0, 4096, 512, AlignedBufferPool.Mode.FAST)).getMessage());
        assertEquals("memoryAlignment not a power of two: memoryAlignment=3000", assertThrows(
            IllegalArgumentException.class, () -> new AlignedBufferPool(1, 4096, 3000, AlignedBufferPool.Mode.FAST)).getMessage());
        assertEquals("bufferSizeBytes out of range: bufferSizeBytes=-1 range=1..1073741824", assertThrows(
            IllegalArgumentException.class, () -> new AlignedBufferPool(1, -1, 512, AlignedBufferPool.Mode.FAST)).getMessage());
    }

    /** Sleeping without a checked exception, for helper threads. */
    static final class LockSupportSleep
    {
        private LockSupportSleep()
        {
        }

        static void sleepMs(final long ms)
        {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
        }
    }
}
