package dev.pageio.linux.uring;

import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.FdFileAccess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import static dev.pageio.linux.uring.UringTestSupport.*;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class UringAllocationTest
{
    @AfterAll
    static void cleanUp() throws Exception
    {
        deleteDir(TMPFS_DIR);
    }

    /** Counts without allocating. */
    private static final class CountingSink implements CompletionSink
    {
        long completions;
        long bytes;

        @Override
        public void complete(final Request request, final long result)
        {
            completions++;
            bytes += result;
        }

        @Override
        public void cancelResult(final Request request, final int result)
        {
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldNotAllocateOnThePrepareSubmitReapPath() throws Exception
    {
        final java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)mx;
        final Path file = tempFile(TMPFS_DIR, "alloc");
        try (UringBackend backend = UringBackend.open(RingConfig.builder().queueDepth(8).build());
            FdFileAccess f = FdFileAccess.open(file, EnumSet.of(READ, WRITE, CREATE), 0))
        {
            final CountingSink sink = new CountingSink();
            final ByteBuffer a = ByteBuffer.allocateDirect(4096);
            final ByteBuffer b = ByteBuffer.allocateDirect(4096);
            final Request[] requests = new Request[8];
            for (int i = 0; i < 8; i++)
            {
                requests[i] = i % 2 == 0 ? single(i, RequestOp.WRITE, f, i * 4096L, a, 0, 4096) :
                    vectored(i, RequestOp.WRITEV, f, i * 4096L, a, b);
            }
            run(backend, sink, requests, 20_000); // warm up: JIT, class loading
            final long before = threads.getCurrentThreadAllocatedBytes();
            run(backend, sink, requests, 20_000);
            final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            System.out.println("allocation test: 160000 requests, bytes allocated on the agent thread=" + allocated);
            assertEquals(0, allocated, "bytes allocated by 160000 prepare/submit/reap cycles");
        }
    }

    private static void run(final UringBackend backend, final CountingSink sink, final Request[] requests,
        final int rounds)
    {
        for (int round = 0; round < rounds; round++)
        {
            for (final Request r : requests)
            {
                if (!backend.prepare(r))
                {
                    throw new AssertionError("refused");
                }
            }
            backend.submit();
            while (backend.inFlight() > 0)
            {
                backend.reap(sink);
            }
        }
    }
}
