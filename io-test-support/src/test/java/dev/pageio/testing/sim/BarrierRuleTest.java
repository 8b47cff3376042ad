package dev.pageio.testing.sim;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BARRIER.md rules 7, 8 and 9, one at a time, on the simulated device through the public API only (a CALLER ring
 * driven by the test thread, so every schedule is exact). Each test is the one that goes red when its rule is
 * broken on purpose ({@code io-stress/mutate.sh}): a {@code writeAfter} that writes before its dependency
 * succeeded, a group barrier that completes when any one file's does, a barrier sync that is always fdatasync.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BarrierRuleTest
{
    private static final int PAGE = 2 * SimulatedFile.SECTOR;
    /** Duty cycles that are plenty for anything not held to complete (writes take at most 4). */
    private static final int SETTLE_CYCLES = 200;

    // ------------------------------------------------------------------------------------------ rule 7

    @Test
    void shouldNotWriteAfterADependencyUntilItsSyncSucceeded() throws Exception
    {
        final SimulatedSchedule schedule = new SimulatedSchedule(17);
        final SimulatedFile walSim = new SimulatedFile(Path.of("wal"));
        final SimulatedFile dataSim = new SimulatedFile(Path.of("data"));
        try (IoRing ring = SimulatedEngine.open(caller("rule7-ok"), schedule))
        {
            final SimulatedBackend device = (SimulatedBackend)ring.backend();
            final IoFile wal = ring.adopt(walSim);
            final IoFile data = ring.adopt(dataSim);
            drive(ring, wal.write(0, pattern(1, 0, PAGE)));
            device.holdSyncs();
            final CompletableFuture<Long> walDurable = wal.barrier(BarrierMode.DATA);
            final CompletableFuture<Long> page = data.writeAfter(walDurable, 0, pattern(2, 0, PAGE));
            settle(ring);

            assertEquals(1, walSim.syncsIssued(), "the WAL barrier's sync is in the device, held");
            assertFalse(walDurable.isDone(), "the WAL barrier waits for its held sync");
            assertFalse(page.isDone(), "the page waits for the WAL barrier");
            assertEquals(List.of(), dataSim.records(2), "no byte of the page reaches the device before the WAL is durable");

            device.releaseSyncs();
            assertEquals(PAGE, (long)drive(ring, page));
            assertEquals(1L, walDurable.getNow(-1L));
            assertEquals(1, dataSim.records(2).size(), "the page was written once, after the WAL barrier");
        }
    }

    @Test
    void shouldNeverWriteAfterADependencyThatFailsLater() throws Exception
    {
        final SimulatedSchedule schedule = new SimulatedSchedule(19);
        final SimulatedFile walSim = new SimulatedFile(Path.of("wal")).failSync(1);
        final SimulatedFile dataSim = new SimulatedFile(Path.of("data"));
        final IoRing ring = SimulatedEngine.open(caller("rule7-fail"), schedule);
        try
        {
            final SimulatedBackend device = (SimulatedBackend)ring.backend();
            final IoFile wal = ring.adopt(walSim);
            final IoFile data = ring.adopt(dataSim);
            drive(ring, wal.write(0, pattern(1, 0, PAGE)));
            device.holdSyncs();
            final CompletableFuture<Long> walDurable = wal.barrier(BarrierMode.DATA);
            final CompletableFuture<Long> page = data.writeAfter(walDurable, 0, pattern(2, 0, PAGE));
            settle(ring);
            assertFalse(page.isDone(), "the page waits for the WAL barrier, which has not failed yet");
            assertEquals(List.of(), dataSim.records(2), "nothing written while the dependency is pending");

            device.releaseSyncs();
            final ExecutionException e = assertThrows(ExecutionException.class, () -> drive(ring, page));
            final IoFailure failure = assertInstanceOf(IoFailure.class, e.getCause());
            assertEquals(Errno.ECANCELED, failure.errno(), failure.getMessage());
            final IoFailure walFailure = assertInstanceOf(IoFailure.class,
                assertThrows(ExecutionException.class, walDurable::get).getCause());
            assertEquals(Errno.EIO, walFailure.errno());
            assertSame(walFailure, failure.getCause(), "the page learns why: the WAL barrier's failure");
            settle(ring);
            assertEquals(List.of(), dataSim.records(2), "the page is never written");
        }
        finally
        {
            assertClosePoisoned(ring, "wal");
        }
    }

    // ------------------------------------------------------------------------------------------ rule 8

    @Test
    void shouldFailAGroupBarrierWhenOneFileFailsAlthoughTheOtherSucceeded() throws Exception
    {
        final SimulatedFile goodSim = new SimulatedFile(Path.of("good"));
        final SimulatedFile badSim = new SimulatedFile(Path.of("bad")).failSync(1);
        final IoRing ring = SimulatedEngine.open(caller("rule8-fail"), new SimulatedSchedule(23));
        try
        {
            final IoFile good = ring.adopt(goodSim);
            final IoFile bad = ring.adopt(badSim);
            drive(ring, good.write(0, pattern(1, 0, PAGE)));
            drive(ring, good.barrier(BarrierMode.DATA));
            drive(ring, bad.write(0, pattern(2, 0, PAGE)));
            // good's part is covered already (no sync); bad's part fails with its sync.
            final CompletableFuture<Void> group = ring.barrier(BarrierMode.DATA, good, bad);
            final ExecutionException e = assertThrows(ExecutionException.class, () -> drive(ring, group));
            assertEquals(Errno.EIO, assertInstanceOf(IoFailure.class, e.getCause()).errno(), e.getCause().getMessage());
            assertEquals(Errno.EIO, bad.barrierPoison().errno());
            assertEquals(null, good.barrierPoison());
        }
        finally
        {
            assertClosePoisoned(ring, "bad");
        }
    }

    /**
     * Closing a ring is a barrier for each of its files (BARRIER.md rule 11): with a file poisoned on purpose, the
     * close throws that file's original failure.
     */
    private static void assertClosePoisoned(final IoRing ring, final String path)
    {
        final IoFailure atClose = assertThrows(IoFailure.class, ring::close);
        assertEquals(Errno.EIO, atClose.errno(), atClose.getMessage());
        assertTrue(atClose.getMessage().contains("path=" + path), "the close names the poisoned file: " + atClose);
    }

    @Test
    void shouldCompleteAGroupBarrierOnlyOnceEveryFilesSyncSucceeded() throws Exception
    {
        final SimulatedFile fastSim = new SimulatedFile(Path.of("fast"));
        final SimulatedFile slowSim = new SimulatedFile(Path.of("slow"));
        try (IoRing ring = SimulatedEngine.open(caller("rule8-wait"), new SimulatedSchedule(29)))
        {
            final SimulatedBackend device = (SimulatedBackend)ring.backend();
            final IoFile fast = ring.adopt(fastSim);
            final IoFile slow = ring.adopt(slowSim);
            drive(ring, fast.write(0, pattern(1, 0, PAGE)));
            drive(ring, fast.barrier(BarrierMode.DATA));
            drive(ring, slow.write(0, pattern(2, 0, PAGE)));
            device.holdSyncs();
            final CompletableFuture<Void> group = ring.barrier(BarrierMode.DATA, fast, slow);
            settle(ring);
            assertEquals(1, slowSim.syncsIssued());
            assertFalse(group.isDone(), "slow's sync is held: the group barrier cannot have succeeded");
            device.releaseSyncs();
            drive(ring, group);
            assertEquals(PAGE, slowSim.durableBytes(2));
            assertEquals(PAGE, fastSim.durableBytes(1));
        }
    }

    // ------------------------------------------------------------------------------------------ rule 9

    @Test
    void shouldSyncWithFsyncAfterGrowthOrWhenFullAndWithFdatasyncForOverwritesOrWhenData() throws Exception
    {
        final SimulatedFile sim = new SimulatedFile(Path.of("mode"));
        try (IoRing ring = SimulatedEngine.open(caller("rule9"), new SimulatedSchedule(31)))
        {
            final IoFile file = ring.adopt(sim);
            long tag = 0;
            // {page written, mode, sync expected}
            final Object[][] steps = {
                {0, BarrierMode.AUTO, IoOp.FSYNC},      // the file grew
                {0, BarrierMode.AUTO, IoOp.FDATASYNC},  // an overwrite of allocated blocks
                {0, BarrierMode.FULL, IoOp.FSYNC},      // FULL always
                {0, BarrierMode.DATA, IoOp.FDATASYNC},  // DATA always
                {1, BarrierMode.AUTO, IoOp.FSYNC},      // grew again
                {1, BarrierMode.AUTO, IoOp.FDATASYNC},  // overwrite
                {2, BarrierMode.DATA, IoOp.FDATASYNC},  // grew, but the caller asked for DATA
                {2, BarrierMode.AUTO, IoOp.FSYNC},      // the growth is not covered by a FULL sync yet
            };
            for (int i = 0; i < steps.length; i++)
            {
                final long offset = (int)steps[i][0] * (long)PAGE;
                drive(ring, file.write(offset, pattern(++tag, offset, PAGE)));
                drive(ring, file.barrier((BarrierMode)steps[i][1]));
                assertEquals(i + 1, sim.syncOps().size(), "step=" + i + " one sync per barrier");
                assertEquals(steps[i][2], sim.syncOps().get(i), "step=" + i + " page=" + steps[i][0] +
                    " mode=" + steps[i][1] + " syncs=" + sim.syncOps());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static RingConfig.Builder caller(final String name)
    {
        return RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER).name(name);
    }

    /** Runs enough duty cycles for everything not held to complete. */
    private static void settle(final IoRing ring)
    {
        for (int i = 0; i < SETTLE_CYCLES; i++)
        {
            ring.poll();
        }
    }

    /** Polls a CALLER ring until the future is done. */
    private static <T> T drive(final IoRing ring, final CompletableFuture<T> f) throws Exception
    {
        for (int i = 0; i < 100_000 && !f.isDone(); i++)
        {
            ring.poll();
        }
        assertTrue(f.isDone(), "not done after 100000 duty cycles");
        return f.get();
    }

    private static ByteBuffer pattern(final long tag, final long fileOffset, final int length)
    {
        return BarrierPropertyTest.pattern(tag, fileOffset, length);
    }
}
