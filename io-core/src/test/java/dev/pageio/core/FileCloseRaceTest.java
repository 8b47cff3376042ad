package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A file's close against a submitter caught between its steps, replayed one step at a time through the
 * package-private door ({@link IoFile#state()}): the interleavings that FileCloseStress and FileStateCloseStress
 * (io-stress, jcstress) find by chance. docs/DURABILITY.md rule 11: close is a barrier, then close; every write
 * accepted on the file is covered by the close barrier, and none runs after the descriptor is closed.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FileCloseRaceTest
{
    @Test
    void shouldRefuseAWriteCountedInBeforeTheCloseButNotYetNumbered() throws Exception
    {
        final CountingFile access = new CountingFile();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(1).queueDepth(8)
            .name("close-race").build()))
        {
            final IoFile file = ring.adopt(access);
            final FileState state = file.state();
            // A submitter in Submission.fill, counted in (enter) and about to take its sequence number.
            state.enter();
            final var close = file.closeAsync();
            // Had the write been numbered now, the close barrier (S read by closeAsync) would not cover it.
            assertThrows(ClosedFileException.class, state.barriers::nextSeq,
                "a write numbered after the close's S would be accepted without the close barrier covering it");
            assertFalse(close.isDone(), "the submitter is still counted in: the descriptor stays open");
            assertEquals(0, access.closes.get());
            state.exit(); // fill's roll-back
            close.get(10, TimeUnit.SECONDS);
            assertEquals(1, access.closes.get());
            assertEquals(0, access.writes.get(), "the refused write never reached the file");
            assertEquals(0, file.barrierSyncs(), "no write was accepted: the close needs no barrier");
        }
    }

    @Test
    void shouldCoverWithTheCloseBarrierAWriteNumberedBeforeTheClose() throws Exception
    {
        final CountingFile access = new CountingFile();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(1).queueDepth(8)
            .name("close-covers").build()))
        {
            final IoFile file = ring.adopt(access);
            assertEquals(512L, file.write(0, ByteBuffer.allocate(512)).get(10, TimeUnit.SECONDS));
            file.closeAsync().get(10, TimeUnit.SECONDS);
            assertEquals(1, file.barrierSyncs(), "the close barrier synced the write");
            assertEquals(1, access.syncs.get());
            assertEquals(0, access.afterClose.get(), "nothing ran on the file after it was closed");
            assertTrue(file.isClosed());
        }
    }

    @Test
    void shouldRunTheCloseHookOnlyWhenTheCloseLetsGoOfItsOwnCount()
    {
        final AtomicInteger hookRuns = new AtomicInteger();
        final FileState state = new FileState(new CountingFile(), "hook", null, hookRuns::incrementAndGet);
        state.enter();
        state.exit(); // the count was 0 on an open file: nothing to close
        assertEquals(0, hookRuns.get());
        assertTrue(state.beginClose());
        assertFalse(state.beginClose(), "close is once");
        assertEquals(0, hookRuns.get(), "the close holds its own count until its barrier is queued");
        assertThrows(ClosedFileException.class, state::enter);
        assertEquals(0, hookRuns.get(), "a refused request's roll-back does not close under the close");
        state.exit();
        assertEquals(1, hookRuns.get());
        assertThrows(ClosedFileException.class, state::enter);
        assertEquals(1, hookRuns.get(), "the hook runs once");
    }

    /** A file with no bytes behind it that counts what reaches it, and what reaches it after close. */
    private static final class CountingFile extends FileAccess
    {
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger syncs = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();
        final AtomicInteger afterClose = new AtomicInteger();

        CountingFile()
        {
            super(Path.of("counting"));
        }

        @Override
        public int fd()
        {
            return -1;
        }

        @Override
        public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        {
            touch();
            return length;
        }

        @Override
        public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        {
            touch();
            writes.incrementAndGet();
            return length;
        }

        @Override
        public void sync(final boolean metadata)
        {
            touch();
            syncs.incrementAndGet();
        }

        private void touch()
        {
            if (closes.get() > 0)
            {
                afterClose.incrementAndGet();
            }
        }

        @Override
        public long size()
        {
            return 0;
        }

        @Override
        public void close()
        {
            closes.incrementAndGet();
        }
    }
}
