package dev.pageio.direct;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** The allocation tests' handler (counts completions in its attachment; a failure adds 2^40) and their wait. */
final class CompletionCount
{
    /** Adds 1 per completion, 2^40 per failure, to the attachment. */
    static final IoHandler<AtomicLong> COUNT = new IoHandler<>()
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

    private CompletionCount()
    {
    }

    /**
     * Waits up to 60 s for {@code done} to reach {@code target}. parkNanos, not Thread.sleep: on JDK 25 each sleep
     * allocates (~65 B), which an allocation test would count as the I/O's.
     */
    static void waitFor(final AtomicLong done, final long target)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.get() < target && System.nanoTime() < deadline)
        {
            LockSupport.parkNanos(100_000);
        }
    }
}
