package dev.pageio.core.threads;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.FileAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sequence numbers a write returns and the barrier that covers up to one of them ({@code IoFile.write} →
 * seq, {@code barrierCovering(seq)}, {@code lastWriteSeq()}), on the thread engine with a file whose writes at
 * one offset block until released: that holds a later write in flight deterministically, so "not held back by
 * later writes" is observed, not assumed.
 */
class BarrierCoveringTest
{
    private static final long HELD_OFFSET = 4096;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldNumberWritesOneTwoThreeAndNothingElse() throws Exception
    {
        final HoldingFile holding = new HoldingFile();
        holding.release.countDown();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(2).queueDepth(8).build()))
        {
            final IoFile file = ring.adopt(holding);
            assertEquals(0, file.lastWriteSeq());
            final Done done = new Done();
            assertEquals(1, file.write(0, ByteBuffer.allocate(512), done, null, 0));
            assertEquals(2, file.writev(512, new ByteBuffer[] {ByteBuffer.allocate(512)}, done, null, 0));
            file.read(0, ByteBuffer.allocate(512), done, null, 0);
            file.fdatasync(done, null, 0);
            assertEquals(3, file.write(1024, ByteBuffer.allocate(512), done, null, 0));
            assertEquals(3, file.lastWriteSeq(), "reads and syncs take no sequence number");
            assertEquals(2L, file.barrierCovering(2, BarrierMode.DATA).get(10, TimeUnit.SECONDS));
            assertEquals(3L, file.barrier(BarrierMode.DATA).get(10, TimeUnit.SECONDS));
            // already durable: answered from D, no new sync
            final long syncs = file.barrierSyncs();
            assertEquals(1L, file.barrierCovering(1, BarrierMode.DATA).get(10, TimeUnit.SECONDS));
            assertEquals(syncs, file.barrierSyncs());
            assertTrue(done.await(5), "every handler ran");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRefuseASequenceNumberTheFileHasNotIssued() throws Exception
    {
        final HoldingFile holding = new HoldingFile();
        holding.release.countDown();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("threads").queueDepth(8).build()))
        {
            final IoFile file = ring.adopt(holding);
            final IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> file.barrierCovering(1, BarrierMode.DATA));
            assertEquals("seq not issued: seq=1 lastWriteSeq=0 path=holding", none.getMessage());
            file.write(0, ByteBuffer.allocate(512)).get(10, TimeUnit.SECONDS);
            assertThrows(IllegalArgumentException.class, () -> file.barrierCovering(0, BarrierMode.DATA));
            assertThrows(IllegalArgumentException.class, () -> file.barrierCovering(2, BarrierMode.DATA));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCompleteABarrierCoveringAnEarlierWriteWhileALaterWriteIsStillInFlight() throws Exception
    {
        final HoldingFile holding = new HoldingFile();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(2).queueDepth(8).build()))
        {
            final IoFile file = ring.adopt(holding);
            final CompletableFuture<Long> first = file.write(0, ByteBuffer.allocate(512));
            assertEquals(1, file.lastWriteSeq());
            first.get(10, TimeUnit.SECONDS);
            final CompletableFuture<Long> held = file.write(HELD_OFFSET, ByteBuffer.allocate(512));
            assertTrue(holding.entered.await(10, TimeUnit.SECONDS), "the later write is inside the device");
            assertEquals(2, file.lastWriteSeq());

            final CompletableFuture<Long> covering = file.barrierCovering(1, BarrierMode.DATA);
            final CompletableFuture<Long> whole = file.barrier(BarrierMode.DATA);
            assertEquals(1L, covering.get(10, TimeUnit.SECONDS), "S = 1 does not wait for write 2");
            assertFalse(whole.isDone(), "a plain barrier covers write 2, still in flight");
            assertEquals(1, holding.syncs.get(), "one sync, issued once write 1 completed");

            holding.release.countDown();
            assertEquals(512L, held.get(10, TimeUnit.SECONDS));
            assertEquals(2L, whole.get(10, TimeUnit.SECONDS));
            assertEquals(2, holding.syncs.get());
        }
        finally
        {
            holding.release.countDown();
        }
    }

    /** Counts completions of the handler forms. */
    private static final class Done implements IoHandler<Object>
    {
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong expected = new AtomicLong(5);
        private final CountDownLatch all = new CountDownLatch(5);

        @Override
        public void completed(final long result, final Object attachment, final long token)
        {
            completed.incrementAndGet();
            all.countDown();
        }

        @Override
        public void failed(final IoFailure failure, final Object attachment, final long token)
        {
            all.countDown();
        }

        boolean await(final long seconds) throws InterruptedException
        {
            return all.await(seconds, TimeUnit.SECONDS) && completed.get() == expected.get();
        }
    }

    /** A file whose writes at {@link #HELD_OFFSET} block until released; it counts syncs. */
    private static final class HoldingFile extends FileAccess
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger syncs = new AtomicInteger();

        HoldingFile()
        {
            super(Path.of("holding"));
        }

        @Override
        public int fd()
        {
            return -1;
        }

        @Override
        public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        {
            return length;
        }

        @Override
        public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
            throws IOException
        {
            if (fileOffset == HELD_OFFSET)
            {
                entered.countDown();
                try
                {
                    release.await();
                }
                catch (final InterruptedException e)
                {
                    throw new IOException("interrupted", e);
                }
            }
            return length;
        }

        @Override
        public void sync(final boolean metadata)
        {
            syncs.incrementAndGet();
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
