package dev.pageio.core.threads;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.ChannelFileAccess;
import dev.pageio.core.spi.FileAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BARRIER.md rule 12 on the thread engine: the completion poller (the ring's agent) never runs a blocking fsync
 * itself. A file whose sync blocks on a latch records the thread it runs on; while it is held, a NOP and a write
 * on the same ring still complete (they need the agent), and the sync's thread is not the agent's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreadEngineSyncTest
{
    private final Path dir = Path.of(System.getProperty("java.io.tmpdir"), "pageio-sync-" + ProcessHandle.current().pid() +
        "-" + System.nanoTime());

    @AfterEach
    void deleteDir() throws IOException
    {
        if (Files.exists(dir))
        {
            try (var files = Files.list(dir))
            {
                for (final Path p : (Iterable<Path>)files::iterator)
                {
                    Files.deleteIfExists(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void shouldRunABarrierSyncOffTheAgentWhileANopOnTheSameRingCompletes() throws Exception
    {
        shouldRunASyncOffTheAgent(true);
    }

    @Test
    void shouldRunAPlainFsyncOffTheAgentWhileANopOnTheSameRingCompletes() throws Exception
    {
        shouldRunASyncOffTheAgent(false);
    }

    private void shouldRunASyncOffTheAgent(final boolean barrier) throws Exception
    {
        Files.createDirectories(dir);
        final BlockingSyncFile blocking = new BlockingSyncFile(dir.resolve("blocking-sync"));
        final IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(2).queueDepth(8)
            .name("rule12").build());
        try
        {
            final Thread agent = ring.onAgent(backend -> Thread.currentThread()).get(10, TimeUnit.SECONDS);
            final IoFile file = ring.adopt(blocking);
            assertEquals(4096L, file.write(0, ByteBuffer.allocate(4096)).get(10, TimeUnit.SECONDS));
            final CompletableFuture<Long> sync = barrier ? file.barrier(BarrierMode.FULL) : file.fsync();
            assertTrue(blocking.entered.await(10, TimeUnit.SECONDS), "the sync was issued");

            // Both need the agent: were it inside fsync, neither would complete until the sync is released.
            assertEquals(0L, file.nop().get(10, TimeUnit.SECONDS), "a NOP completes while the sync is held");
            assertEquals(4096L, file.write(4096, ByteBuffer.allocate(4096)).get(10, TimeUnit.SECONDS),
                "a later write completes while the sync is held");
            assertFalse(sync.isDone(), "the sync is still held");
            assertNotSame(agent, blocking.syncThread, "fsync ran on the ring's agent thread: " + blocking.syncThread);

            blocking.release.countDown();
            assertEquals(barrier ? 1L : 0L, sync.get(10, TimeUnit.SECONDS));
        }
        finally
        {
            blocking.release.countDown();
            ring.close();
        }
    }

    /** A real file whose sync waits for {@link #release} and records the thread that called it. */
    private static final class BlockingSyncFile extends FileAccess
    {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile Thread syncThread;
        private final ChannelFileAccess channel;

        BlockingSyncFile(final Path path) throws IOException
        {
            super(path);
            channel = new ChannelFileAccess(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE));
        }

        @Override
        public int fd()
        {
            return channel.fd();
        }

        @Override
        public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
            throws IOException
        {
            return channel.read(buffer, bufferPosition, length, fileOffset);
        }

        @Override
        public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
            throws IOException
        {
            return channel.write(buffer, bufferPosition, length, fileOffset);
        }

        @Override
        public void sync(final boolean metadata) throws IOException
        {
            syncThread = Thread.currentThread();
            entered.countDown();
            try
            {
                if (!release.await(30, TimeUnit.SECONDS))
                {
                    throw new IOException("sync held for 30 s: the test never released it");
                }
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while held", e);
            }
            channel.sync(metadata);
        }

        @Override
        public long size() throws IOException
        {
            return channel.size();
        }

        @Override
        public void close() throws IOException
        {
            channel.close();
        }
    }
}
