package dev.pageio.linux.uring;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BARRIER.md rule 3 on io_uring: a barrier is no fence. A read on an empty pipe stays in the kernel for the whole
 * test; a barrier's sync issued after it and a write submitted after the barrier must both complete while it is
 * pending. With {@code IOSQE_IO_DRAIN} on the barrier's sync (or {@code IOSQE_IO_LINK} behind the writes) the sync
 * would wait for every request submitted before it, the unrelated pipe read included, and every later request
 * for the sync: this test then fails on its 10 s waits instead of hanging the build (the pipe is written in
 * {@code finally}, which lets everything drain so the ring closes).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UringBarrierFenceTest
{
    private static final int PAGE = 4096;

    private final Path dir = Path.of("target", "uring-fence-" + System.nanoTime()).toAbsolutePath();

    @AfterEach
    void deleteDir() throws Exception
    {
        UringTestSupport.deleteDir(dir);
    }

    @Test
    void shouldCompleteABarrierAndLaterWritesWhileAnUnrelatedReadStaysPending() throws Exception
    {
        Files.createDirectories(dir);
        final ByteBuffer fds = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        assertEquals(0, Linux.pipe2(Linux.address(fds), Arch.O_CLOEXEC));
        final int readFd = fds.getInt(0);
        final int writeFd = fds.getInt(4);
        final IoRing ring = IoRing.open(RingConfig.builder().engine(UringEngine.NAME).queueDepth(16).name("fence").build());
        try
        {
            assertEquals(UringEngine.NAME, ring.engineName());
            // The pipe's read end, owned (and closed) by the ring's file from here on.
            final IoFile pipe = ring.adopt(new FdFileAccess(Path.of("pipe"), readFd, 0)
            {
            });
            final CompletableFuture<Long> pending = pipe.read(0, ByteBuffer.allocateDirect(1));
            final IoFile file = ring.adopt(FdFileAccess.open(dir.resolve("data"), EnumSet.of(READ, WRITE, CREATE),
                Arch.O_DIRECT));
            assertEquals(PAGE, (long)file.write(0, page(1)).get(10, TimeUnit.SECONDS));

            final CompletableFuture<Long> barrier = file.barrier(BarrierMode.DATA);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (file.barrierSyncs() < 1 && !barrier.isDone())
            {
                assertTrue(System.nanoTime() < deadline, "the barrier's sync was never issued");
                Thread.yield();
            }
            final CompletableFuture<Long> later = file.write(PAGE, page(2));

            assertEquals(PAGE, (long)later.get(10, TimeUnit.SECONDS), "a write after the barrier is not held back");
            assertEquals(1L, (long)barrier.get(10, TimeUnit.SECONDS), "the barrier's sync does not wait for the pipe read");
            assertFalse(pending.isDone(), "the pipe read is still pending: nothing was written to the pipe");
            assertEquals(2L, (long)file.barrier(BarrierMode.DATA).get(10, TimeUnit.SECONDS),
                "a second barrier covers the later write");

            final ByteBuffer one = ByteBuffer.allocateDirect(1);
            assertEquals(1, Linux.write(writeFd, Linux.address(one), 1));
            assertEquals(1L, (long)pending.get(10, TimeUnit.SECONDS));
            file.close();
        }
        finally
        {
            // Lets anything still drained behind the pipe read complete, so the ring closes.
            final ByteBuffer one = ByteBuffer.allocateDirect(1);
            Linux.write(writeFd, Linux.address(one), 1);
            ring.close();
            Linux.close(writeFd);
        }
    }

    private static ByteBuffer page(final int fill)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(2 * PAGE).alignedSlice(PAGE).limit(PAGE).slice();
        for (int i = 0; i < PAGE; i++)
        {
            b.put(i, (byte)fill);
        }
        return b;
    }
}
