package dev.pageio.core.threads;

import dev.pageio.core.CancelOutcome;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.IoStatus;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.FileAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three cancel outcomes on the thread engine, held deterministically: a file whose reads block on a latch
 * keeps one request running in the only worker (NOT_CANCELED) and the next one waiting in the engine's own work
 * queue (CANCELED there, after the ring handed it over).
 */
class ThreadEngineCancelTest
{
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldAnswerNotCanceledForARunningRequestAndCanceledForOneQueuedInTheEngine() throws Exception
    {
        final BlockingFile blocking = new BlockingFile();
        final IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(1).queueDepth(8).build());
        try
        {
            final IoFile file = ring.adopt(blocking);
            final IoRequest running = new IoRequest().read(file, 0, ByteBuffer.allocate(512)).submit();
            assertTrue(blocking.entered.await(10, TimeUnit.SECONDS), "the worker is inside the read");
            final IoRequest queued = new IoRequest().read(file, 512, ByteBuffer.allocate(512)).submit();
            // the ring hands it to the engine's work queue; the only worker is busy
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ring.backend().inFlight() < 2 && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }

            assertEquals(CancelOutcome.NOT_CANCELED, running.cancel().get(10, TimeUnit.SECONDS));
            assertEquals(CancelOutcome.CANCELED, queued.cancel().get(10, TimeUnit.SECONDS));
            assertTrue(queued.await(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.CANCELED, queued.status());
            assertEquals(IoStatus.IN_PROGRESS, running.status(), "not canceled: still running");

            blocking.release.countDown();
            assertTrue(running.await(10, TimeUnit.SECONDS));
            assertEquals(IoStatus.COMPLETED, running.status());
            assertEquals(512, running.result());
            assertEquals(1, blocking.reads, "the canceled read never ran");
            assertEquals(CancelOutcome.ALREADY_DONE, running.cancel().get(10, TimeUnit.SECONDS));
        }
        finally
        {
            blocking.release.countDown();
            ring.close();
        }
    }

    /** Reads block until released; every read returns its full length. */
    static final class BlockingFile extends FileAccess
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile int reads;

        BlockingFile()
        {
            super(Path.of("blocking"));
        }

        @Override
        public int fd()
        {
            return -1;
        }

        @Override
        public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
            throws IOException
        {
            reads++;
            entered.countDown();
            try
            {
                release.await();
            }
            catch (final InterruptedException e)
            {
                throw new IOException("interrupted", e);
            }
            return length;
        }

        @Override
        public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        {
            return length;
        }

        @Override
        public void sync(final boolean metadata)
        {
        }

        @Override
        public long size()
        {
            return 1 << 20;
        }

        @Override
        public void close()
        {
            release.countDown();
        }
    }
}
