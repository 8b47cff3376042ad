package dev.pageio.direct;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Append and handler-form commit allocate nothing on the appending thread in the steady state: measured with the
 * JVM's per-thread allocation counter, not claimed.
 */
class LogAllocationTest
{
    private Path dir;

    @BeforeEach
    void setUp() throws Exception
    {
        dir = TestFiles.ext4Dir("log-alloc");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(dir);
    }

    private static final IoHandler<AtomicLong> COUNT = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final AtomicLong done, final long token)
        {
            done.incrementAndGet();
        }

        @Override
        public void failed(final IoFailure failure, final AtomicLong done, final long token)
        {
            done.addAndGet(1L << 40);
        }
    };

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldAppendAndCommitWithoutAllocatingInTheSteadyState() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final long me = Thread.currentThread().getId();
        try (LogFile log = LogFile.open(dir, LogConfig.builder().segmentBytes(16L << 20).bufferBytes(1 << 20).build()))
        {
            final ByteBuffer record = ByteBuffer.allocateDirect(100);
            final AtomicLong done = new AtomicLong();
            final int warmup = 20_000;
            final int measured = 20_000;
            long issued = 0;
            for (int i = 0; i < warmup; i++)
            {
                record.clear();
                log.commit(log.append(record), COUNT, done, 0);
                issued++;
                if ((i & 63) == 0)
                {
                    waitFor(done, issued);
                }
            }
            waitFor(done, issued);
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < measured; i++)
            {
                record.clear();
                log.commit(log.append(record), COUNT, done, 0);
                issued++;
                if ((i & 63) == 0)
                {
                    waitFor(done, issued);
                }
            }
            final long allocated = threads.getThreadAllocatedBytes(me) - before;
            waitFor(done, issued);
            assertEquals(issued, done.get(), "every commit succeeded");
            System.out.println("LogAllocationTest: bytes allocated by the appending thread for " + measured +
                " append+commit: " + allocated);
            // A few stray bytes (the JIT, a queue chunk) are tolerated; one object per append would be >= 320 KB.
            assertTrue(allocated < measured, "allocated=" + allocated + " for " + measured + " append+commit");
        }
    }

    private static void waitFor(final AtomicLong done, final long target)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.get() < target && System.nanoTime() < deadline)
        {
            // parkNanos, not Thread.sleep: on JDK 25 each sleep allocates (~65 B), which this test would count
            LockSupport.parkNanos(100_000);
        }
    }
}
