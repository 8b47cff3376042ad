package dev.pageio.testing.sim;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.pageio.testing.sim.BarrierPropertyTest.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rule 4 of docs/DURABILITY.md (pipelined) with K syncs in flight per file, on schedules written out by hand: a
 * CALLER ring driven by the test thread, syncs held in the simulated device and released one at a time in the order
 * each test chooses. The seeded schedules of {@link BarrierPropertyTest} cover the same rules at random; these pin
 * each one down.
 */
class PipelinedBarrierTest
{
    private static final int PAGE = 2 * SimulatedFile.SECTOR;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldIssueASecondSyncWhileTheFirstIsInFlightOnceWritesCompletedPastItsSnapshot() throws Exception
    {
        try (Fixture f = new Fixture(2, new SimulatedFile(Path.of("pipelined"))))
        {
            f.write(1, 0);
            final CompletableFuture<Long> first = f.barrier();
            assertEquals(1, f.sim.syncsIssued());
            // A later write completes while the first sync is held: not held back (rule 3).
            f.write(2, PAGE);
            final CompletableFuture<Long> second = f.barrier();
            assertEquals(2, f.sim.syncsIssued(), "C moved past the first sync's snapshot: a second sync is issued at once");
            assertFalse(first.isDone() || second.isDone(), "both syncs are held");
            f.device.releaseSyncs();
            assertEquals(1L, f.drive(first));
            assertEquals(2L, f.drive(second));
            f.assertLedgerClean();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldWaitForTheSyncInFlightWhenOnlyOneIsAllowed() throws Exception
    {
        try (Fixture f = new Fixture(1, new SimulatedFile(Path.of("one-at-a-time"))))
        {
            f.write(1, 0);
            final CompletableFuture<Long> first = f.barrier();
            f.write(2, PAGE);
            final CompletableFuture<Long> second = f.barrier();
            assertEquals(1, f.sim.syncsIssued(), "K=1: the old rule, one sync in flight");
            f.device.releaseSyncs();
            assertEquals(1L, f.drive(first));
            assertEquals(2L, f.drive(second));
            assertEquals(2, f.sim.syncsIssued());
            f.assertLedgerClean();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldKeepOneSyncInFlightOnAFileThroughThePageCacheWhateverK() throws Exception
    {
        // errseq reports a writeback error to one sync of the open file only: two in flight could let the other
        // one's 0 publish D first.
        try (Fixture f = new Fixture(4, new SimulatedFile(Path.of("page-cache")).pageCache()))
        {
            f.write(1, 0);
            final CompletableFuture<Long> first = f.barrier();
            f.write(2, PAGE);
            final CompletableFuture<Long> second = f.barrier();
            assertEquals(1, f.sim.syncsIssued(), "a buffered file keeps one sync in flight");
            f.device.releaseSyncs();
            assertEquals(1L, f.drive(first));
            assertEquals(2L, f.drive(second));
            assertEquals(2, f.sim.syncsIssued());
            f.assertLedgerClean();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldKeepTheLargestDurableWatermarkWhenSyncsFinishOutOfOrder() throws Exception
    {
        try (Fixture f = new Fixture(2, new SimulatedFile(Path.of("out-of-order"))))
        {
            f.write(1, 0);
            final CompletableFuture<Long> first = f.barrier();
            f.write(2, PAGE);
            final CompletableFuture<Long> second = f.barrier();
            assertTrue(f.device.releaseOneSync(true));
            assertEquals(2L, f.drive(second), "the sync issued last finishes first: its barrier succeeds");
            assertEquals(PAGE, f.sim.durableBytes(1));
            assertEquals(PAGE, f.sim.durableBytes(2));
            assertTrue(f.device.releaseOneSync(false));
            assertEquals(1L, f.drive(first));
            // D = max(D, T): the first sync finishing last must not pull D back to its own T.
            assertEquals(2L, f.drive(f.barrier()), "covered already: no sync");
            assertEquals(2, f.sim.syncsIssued(), "a barrier with S <= D costs no sync");
            assertEquals(1, f.ledger.outOfOrder);
            f.assertLedgerClean();
        }
    }

    @ParameterizedTest(name = "failing sync issued last={0}")
    @ValueSource(booleans = {true, false})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldFailEveryBarrierOnceOneSyncFailedAlthoughAnotherInFlightReturnsZero(final boolean newestFails)
        throws Exception
    {
        // The first sync to finish fails with EIO; the other one, still in flight, then returns 0 (rule 5).
        try (Fixture f = new Fixture(2, new SimulatedFile(Path.of("sticky")).failSync(1)))
        {
            f.write(1, 0);
            final CompletableFuture<Long> first = f.barrier();
            f.write(2, PAGE);
            final CompletableFuture<Long> second = f.barrier();
            assertEquals(2, f.sim.syncsIssued());
            assertTrue(f.device.releaseOneSync(newestFails));
            assertEquals(Errno.EIO, f.failure(newestFails ? second : first).errno());
            assertTrue(f.device.releaseOneSync(newestFails));
            final IoFailure afterZero = f.failure(newestFails ? first : second);
            assertEquals(Errno.EIO, afterZero.errno(), "its own sync returned 0, the file is poisoned: " + afterZero.getMessage());
            f.write(3, 2L * PAGE);
            assertEquals(Errno.EIO, f.failure(f.barrier()).errno(), "later barriers fail with the original cause");
            assertEquals(2, f.sim.syncsIssued(), "a poisoned file issues no sync");
            f.assertLedgerClean();
        }
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 2, 4})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCostTwoSyncsWhenBarriersArriveTogetherAgainstOneSlowSync(final int syncsInFlightMax) throws Exception
    {
        try (Fixture f = new Fixture(syncsInFlightMax, new SimulatedFile(Path.of("together"))))
        {
            f.write(1, 0);
            final CompletableFuture<Long> slow = f.barrier();
            for (int t = 2; t <= 7; t++)
            {
                f.write(t, (long)(t - 1) * PAGE);
            }
            final List<CompletableFuture<Long>> later = new ArrayList<>();
            for (int t = 2; t <= 7; t++)
            {
                later.add(f.submitBarrier());
            }
            f.cycles(20);
            assertEquals(syncsInFlightMax == 1 ? 1 : 2, f.sim.syncsIssued(),
                "six barriers whose writes all completed share one sync beside the slow one");
            f.device.releaseSyncs();
            assertEquals(1L, f.drive(slow));
            for (final CompletableFuture<Long> b : later)
            {
                assertEquals(7L, f.drive(b));
            }
            assertEquals(2, f.sim.syncsIssued(), "k concurrent barriers against one slow sync cost at most 2 syncs");
            for (int t = 1; t <= 7; t++)
            {
                assertEquals(PAGE, f.sim.durableBytes(t), "tag=" + t);
            }
            f.assertLedgerClean();
        }
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 2, 4})
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldIssueOneSyncPerBarrierThatMovedPastTheSyncsInFlightAndOneMoreAfterThem(final int syncsInFlightMax)
        throws Exception
    {
        try (Fixture f = new Fixture(syncsInFlightMax, new SimulatedFile(Path.of("one-by-one"))))
        {
            final List<CompletableFuture<Long>> barriers = new ArrayList<>();
            for (int t = 1; t <= 7; t++)
            {
                f.write(t, (long)(t - 1) * PAGE);
                barriers.add(f.barrier());
            }
            final int inFlight = Math.min(syncsInFlightMax, 7);
            assertEquals(inFlight, f.sim.syncsIssued(), "each barrier's writes are past every sync in flight, up to K");
            assertEquals(inFlight, f.device.syncsInDevice());
            f.device.releaseSyncs();
            for (int t = 1; t <= 7; t++)
            {
                assertEquals(t, f.drive(barriers.get(t - 1)));
            }
            // The barriers that waited while K syncs were in flight needed one more sync between them.
            assertEquals(inFlight + (inFlight < 7 ? 1 : 0), f.sim.syncsIssued());
            assertEquals(inFlight, f.ledger.maxInFlight);
            f.assertLedgerClean();
        }
    }

    /** A CALLER ring on the simulated device with every sync held until released, and one adopted file. */
    private static final class Fixture implements AutoCloseable
    {
        final SimulatedFile sim;
        final SyncLedger ledger;
        final IoRing ring;
        final SimulatedBackend device;
        final IoFile file;

        Fixture(final int syncsInFlightMax, final SimulatedFile sim) throws Exception
        {
            this.sim = sim;
            this.ledger = new SyncLedger(syncsInFlightMax);
            final SimulatedSchedule schedule = new SimulatedSchedule(1);
            schedule.maxWriteDelayCycles = 1;
            schedule.maxSyncDelayCycles = 1;
            schedule.holdSyncs = true;
            ring = SimulatedEngine.open(RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER)
                .name(sim.path().toString()).barrierSyncsInFlightMax(syncsInFlightMax).barrierObserver(ledger), schedule);
            device = (SimulatedBackend)ring.backend();
            file = ring.adopt(sim);
        }

        /** Writes one page with this tag and waits until it completed. */
        void write(final long tag, final long fileOffset) throws Exception
        {
            assertEquals(PAGE, (long)drive(file.write(fileOffset, pattern(tag, fileOffset, PAGE))));
        }

        CompletableFuture<Long> submitBarrier()
        {
            return file.barrier(BarrierMode.DATA);
        }

        /** Submits a barrier and lets the ring run a few duty cycles (it arrives, and its sync is issued if due). */
        CompletableFuture<Long> barrier()
        {
            final CompletableFuture<Long> b = submitBarrier();
            cycles(10);
            return b;
        }

        void cycles(final int n)
        {
            for (int i = 0; i < n; i++)
            {
                ring.poll();
            }
        }

        <T> T drive(final CompletableFuture<T> f) throws Exception
        {
            for (int i = 0; i < 100_000 && !f.isDone(); i++)
            {
                ring.poll();
            }
            assertTrue(f.isDone(), "not done after 100000 duty cycles");
            return f.get();
        }

        IoFailure failure(final CompletableFuture<Long> barrier)
        {
            final ExecutionException e = assertThrows(ExecutionException.class, () -> drive(barrier));
            return assertInstanceOf(IoFailure.class, e.getCause());
        }

        void assertLedgerClean()
        {
            assertTrue(ledger.violations.isEmpty(), String.valueOf(ledger.violations.peek()));
        }

        @Override
        public void close()
        {
            device.releaseSyncs();
            try
            {
                ring.close();
            }
            catch (final IoFailure e)
            {
                // ring close is a barrier for each file (rule 11): only a file poisoned on purpose may fail it
                assertTrue(e.getMessage().contains("barriers fail from now on"), "only a poisoned file's failure: " + e);
            }
        }
    }
}
