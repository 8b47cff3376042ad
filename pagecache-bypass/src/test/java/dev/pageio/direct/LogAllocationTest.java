package dev.pageio.direct;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

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
                log.commit(log.append(record), CompletionCount.COUNT, done, 0);
                issued++;
                if ((i & 63) == 0)
                {
                    CompletionCount.waitFor(done, issued);
                }
            }
            CompletionCount.waitFor(done, issued);
            final long before = threads.getThreadAllocatedBytes(me);
            for (int i = 0; i < measured; i++)
            {
                record.clear();
                log.commit(log.append(record), CompletionCount.COUNT, done, 0);
                issued++;
                if ((i & 63) == 0)
                {
                    CompletionCount.waitFor(done, issued);
                }
            }
            final long allocated = threads.getThreadAllocatedBytes(me) - before;
            CompletionCount.waitFor(done, issued);
            assertEquals(issued, done.get(), "every commit succeeded");
            System.out.println("LogAllocationTest: bytes allocated by the appending thread for " + measured +
                " append+commit: " + allocated);
            // A few stray bytes (the JIT, a queue chunk) are tolerated; one object per append would be >= 320 KB.
            assertTrue(allocated < measured, "allocated=" + allocated + " for " + measured + " append+commit");
        }
    }
}
