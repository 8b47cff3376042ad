package dev.pageio.testing.sim;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.TestRings;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The properties of BARRIER.md ("How to prove it") over thousands of seeded schedules of the simulated device.
 *
 * <p>Two drivers. CALLER rings driven by the test thread, with logical producers interleaved by the seed: the
 * whole run (producers, agent, device) is a function of the seed, so a failing seed replays exactly. DEDICATED
 * rings with real producer threads: the device is seeded, the thread interleaving is not (the seed is printed all
 * the same). A failure message always starts with the seed.
 *
 * <p>Checked on every schedule: a barrier that succeeds finds every covered write (each producer's writes on that
 * file issued before its barrier call) completed successfully and in the device's durable store, and the
 * crash image (drop, random subset, or torn) still holds them, sector by sector, unless a later write overwrote
 * them; once an error was delivered on a file no barrier on it succeeds, and those that fail carry the first
 * error's errno; every write and barrier completes; every write's handler runs once, and its bytes land exactly
 * once at the right offsets (short writes resubmitted from the right place).
 */
class BarrierPropertyTest
{
    private static final int PAGE = 2 * SimulatedFile.SECTOR;
    private static final int PAGES = 24;
    private static final int SCHEDULES = 10_000;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepEveryBarrierPropertyOverTenThousandCallerSchedules() throws Exception
    {
        int errorsInjected = 0;
        int poisonedBarriers = 0;
        int succeeded = 0;
        final long[] outOfOrderByK = new long[5];
        final int[] maxInFlightByK = new int[5];
        for (long seed = 1; seed <= SCHEDULES; seed++)
        {
            final Run run = new Run(seed);
            runCallerSchedule(run, false);
            if (run.violationCount() > 0)
            {
                fail("seed=" + seed + " (CALLER, replays exactly, K=" + run.syncsInFlightMax + "): " + run.firstViolation() +
                    " [" + run.violationCount() + " violations] schedule=" + run.schedule);
            }
            errorsInjected += run.errorsDelivered;
            poisonedBarriers += run.barriersFailed;
            succeeded += run.barriersSucceeded;
            outOfOrderByK[run.syncsInFlightMax] += run.ledger.outOfOrder;
            maxInFlightByK[run.syncsInFlightMax] = Math.max(maxInFlightByK[run.syncsInFlightMax], run.ledger.maxInFlight);
        }
        System.out.println("BarrierPropertyTest: " + SCHEDULES + " CALLER schedules: files with an error delivered=" +
            errorsInjected + " barriers succeeded=" + succeeded + " failed=" + poisonedBarriers +
            " syncs finished out of order (K=2/K=4)=" + outOfOrderByK[2] + "/" + outOfOrderByK[4] +
            " most in flight (K=1/2/4)=" + maxInFlightByK[1] + "/" + maxInFlightByK[2] + "/" + maxInFlightByK[4]);
        // The schedules must exercise what they claim to.
        assertTrue(errorsInjected > SCHEDULES / 20, "errors delivered=" + errorsInjected);
        assertTrue(poisonedBarriers > SCHEDULES / 10 && succeeded > SCHEDULES,
            "failed=" + poisonedBarriers + " succeeded=" + succeeded);
        // Rule 4 pipelined: K syncs were in flight at once, and some finished before one issued earlier.
        assertEquals(1, maxInFlightByK[1], "K=1 keeps one sync in flight");
        assertEquals(2, maxInFlightByK[2], "K=2 schedules reach two syncs in flight");
        assertEquals(4, maxInFlightByK[4], "K=4 schedules reach four syncs in flight");
        assertTrue(outOfOrderByK[2] > 0 && outOfOrderByK[4] > 0, "syncs finished out of order: K=2 " +
            outOfOrderByK[2] + " K=4 " + outOfOrderByK[4]);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCatchTheNaiveModeWithTheSameChecks() throws Exception
    {
        // The checks prove something only if they catch a barrier that syncs before its writes completed.
        int caught = 0;
        for (long seed = 1; seed <= 300; seed++)
        {
            final Run run = new Run(seed);
            runCallerSchedule(run, true);
            if (!run.violations.isEmpty())
            {
                caught++;
            }
        }
        System.out.println("BarrierPropertyTest: naive mode caught in " + caught + " of 300 schedules");
        assertTrue(caught > 30, "naive mode caught in " + caught + " of 300 schedules");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldReplayTheSameCallerScheduleFromTheSameSeed() throws Exception
    {
        for (long seed = 1; seed <= 20; seed++)
        {
            final Run a = new Run(seed);
            runCallerSchedule(a, false);
            final Run b = new Run(seed);
            runCallerSchedule(b, false);
            assertEquals(a.trace(), b.trace(), "seed=" + seed);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepEveryBarrierPropertyWithConcurrentProducerThreads() throws Exception
    {
        for (long seed = 1; seed <= 1_000; seed++)
        {
            final Run run = new Run(seed);
            runThreadedSchedule(run);
            if (run.violationCount() > 0)
            {
                fail("seed=" + seed + " (DEDICATED, device seeded, thread interleaving not, K=" + run.syncsInFlightMax +
                    "): " + run.firstViolation() + " [" + run.violationCount() + " violations] schedule=" + run.schedule);
            }
        }
    }

    @ParameterizedTest(name = "K={0}")
    @ValueSource(ints = {1, 2, 4})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCostAtMostOneSyncBeyondThoseInFlightForConcurrentBarriersAgainstOneSlowSyncAndNotHoldBackLaterWrites(
        final int syncsInFlightMax) throws Exception
    {
        // Rule 4: while the slow sync is held, at most K are in flight, each covering writes no other does; the
        // barriers that arrived meanwhile need at most one more after them: K = 1 gives the old "at most 2 syncs".
        final int k = 6;
        for (long seed = 1; seed <= 40; seed++)
        {
            final SimulatedSchedule schedule = new SimulatedSchedule(seed);
            schedule.maxWriteDelayCycles = 3;
            schedule.maxSyncDelayCycles = 3;
            final SimulatedFile sim = new SimulatedFile(Path.of("slow-sync-" + seed));
            final List<Future<?>> threads = new ArrayList<>();
            final SyncLedger ledger = new SyncLedger(syncsInFlightMax);
            final RingConfig.Builder config = dedicated("slow-" + seed).barrierSyncsInFlightMax(syncsInFlightMax)
                .barrierObserver(ledger);
            try (PoisonReportingRing closer = new PoisonReportingRing(SimulatedEngine.open(config, schedule)))
            {
                final IoRing ring = closer.ring;
                final SimulatedBackend device = (SimulatedBackend)ring.backend();
                final IoFile file = ring.adopt(sim);
                final AtomicLong tags = new AtomicLong();
                get(file.write(0, pattern(tags.incrementAndGet(), 0, PAGE)), seed);
                device.holdSyncs();
                final CompletableFuture<Long> first = file.barrier(BarrierMode.DATA);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (sim.syncsIssued() < 1)
                {
                    assertTrue(System.nanoTime() < deadline, "seed=" + seed + ": no sync issued");
                    Thread.yield();
                }
                final java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(k - 1);
                final List<CompletableFuture<Long>> later = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (int t = 1; t < k; t++)
                {
                    final int page = t;
                    final long s = seed;
                    threads.add(pool.submit(() ->
                    {
                        // Written after the first barrier, completing while its sync is held: not held back.
                        get(file.write((long)page * PAGE, pattern(tags.incrementAndGet(), (long)page * PAGE, PAGE)), s);
                        later.add(file.barrier(BarrierMode.DATA));
                        return null;
                    }));
                }
                for (final Future<?> f : threads)
                {
                    f.get(10, TimeUnit.SECONDS);
                }
                pool.shutdown();
                final long cycles = device.cycles();
                while (device.cycles() < cycles + 3)
                {
                    assertTrue(System.nanoTime() < deadline, "seed=" + seed + ": agent stalled");
                    Thread.yield();
                }
                assertFalse(first.isDone(), "seed=" + seed + ": the barrier waits for its held sync");
                for (final CompletableFuture<Long> f : later)
                {
                    assertFalse(f.isDone(), "seed=" + seed + ": a later barrier cannot be covered yet");
                }
                assertTrue(sim.syncsIssued() <= syncsInFlightMax, "seed=" + seed + ": at most K syncs in flight per file: K=" +
                    syncsInFlightMax + " issued=" + sim.syncsIssued());
                device.releaseSyncs();
                assertEquals(1L, get(first, seed));
                for (final CompletableFuture<Long> f : later)
                {
                    assertTrue(get(f, seed) >= 2);
                }
                assertTrue(sim.syncsIssued() <= syncsInFlightMax + 1, "seed=" + seed + ": k=" + k + " barriers cost syncs=" +
                    sim.syncsIssued() + " K=" + syncsInFlightMax);
                for (long tag = 1; tag <= k; tag++)
                {
                    assertEquals(PAGE, sim.durableBytes(tag), "seed=" + seed + " tag=" + tag);
                }
            }
            assertTrue(ledger.violations.isEmpty(), "seed=" + seed + ": " + ledger.violations.peek());
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldStayFailedAfterAWritebackErrorAlthoughTheNextSyncReturnsZero() throws Exception
    {
        final SimulatedFile sim = new SimulatedFile(Path.of("fsyncgate")).latentWriteError(2);
        try (PoisonReportingRing closer = new PoisonReportingRing(SimulatedEngine.open(caller("fsyncgate"), new SimulatedSchedule(7))))
        {
            final IoRing ring = closer.ring;
            final IoFile file = ring.adopt(sim);
            drive(ring, file.write(0, pattern(1, 0, PAGE)));
            drive(ring, file.write(PAGE, pattern(2, PAGE, PAGE)));
            final IoFailure first = barrierFailure(ring, file);
            assertEquals(Errno.EIO, first.errno(), first.getMessage());
            // The kernel reports a writeback error once: its next sync would "succeed". A user's fdatasync is a
            // barrier too (rule 11), so it fails with the original cause rather than report that 0.
            final ExecutionException user = assertThrows(ExecutionException.class, () -> drive(ring, file.fdatasync()));
            assertEquals(Errno.EIO, assertInstanceOf(IoFailure.class, user.getCause()).errno());
            drive(ring, file.write(2L * PAGE, pattern(3, 2L * PAGE, PAGE)));
            final IoFailure again = barrierFailure(ring, file);
            assertEquals(Errno.EIO, again.errno(), "the original cause: " + again.getMessage());
            assertEquals(0, sim.durableBytes(2), "the lost write is not durable");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldFailBarriersWhenAPlainSyncWasTheOneToReportTheWritebackError() throws Exception
    {
        // The kernel reports a writeback error to one sync only; here a plain fdatasync gets it, not a barrier.
        final SimulatedFile sim = new SimulatedFile(Path.of("side-door")).latentWriteError(1);
        try (PoisonReportingRing closer = new PoisonReportingRing(SimulatedEngine.open(caller("side-door"), new SimulatedSchedule(3))))
        {
            final IoRing ring = closer.ring;
            final IoFile file = ring.adopt(sim);
            drive(ring, file.write(0, pattern(1, 0, PAGE)));
            final ExecutionException plain = assertThrows(ExecutionException.class, () -> drive(ring, file.fdatasync()));
            assertEquals(Errno.EIO, assertInstanceOf(IoFailure.class, plain.getCause()).errno());
            final IoFailure barrier = barrierFailure(ring, file);
            assertEquals(Errno.EIO, barrier.errno(), "the write was lost: the barrier must not succeed: " + barrier.getMessage());
            assertEquals(0, sim.durableBytes(1));
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldResubmitShortWritesAndCompleteThemOnce() throws Exception
    {
        final SimulatedSchedule schedule = new SimulatedSchedule(11);
        schedule.shortWritePercent = 100;
        final SimulatedFile sim = new SimulatedFile(Path.of("short"));
        try (PoisonReportingRing closer = new PoisonReportingRing(SimulatedEngine.open(caller("short"), schedule)))
        {
            final IoRing ring = closer.ring;
            final IoFile file = ring.adopt(sim);
            final int length = 8 * SimulatedFile.SECTOR;
            final ByteBuffer[] halves = {pattern(2, 8L * SimulatedFile.SECTOR, length / 2),
                pattern(2, 12L * SimulatedFile.SECTOR, length / 2)};
            assertEquals(length, (long)drive(ring, file.write(0, pattern(1, 0, length))));
            assertEquals(length, (long)drive(ring, file.writev(length, halves)));
            drive(ring, file.barrier(BarrierMode.DATA));
            for (long tag = 1; tag <= 2; tag++)
            {
                assertTrue(sim.records(tag).size() >= 2, "cut short at least once: tag=" + tag);
                assertEquals(length, sim.durableBytes(tag), "tag=" + tag);
            }
            assertTrue(sim.problems().isEmpty(), sim.problems().toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ drivers

    private static RingConfig.Builder caller(final String name)
    {
        return RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER).name(name);
    }

    private static RingConfig.Builder dedicated(final String name)
    {
        return RingConfig.builder().threadMode(RingConfig.ThreadMode.DEDICATED).name(name)
            .idle(YieldingIdleStrategy::new, 1_000_000);
    }

    /** Producers interleaved by the seed with the duty cycles of a CALLER ring: one thread, fully replayable. */
    private static void runCallerSchedule(final Run run, final boolean naive) throws Exception
    {
        final Random random = run.random;
        final SimulatedFile[] sims = run.files(1 + random.nextInt(2));
        final RingConfig config = caller("sim-" + run.seed).queueDepth(8 + random.nextInt(56))
            .barrierSyncsInFlightMax(run.syncsInFlightMax).barrierObserver(run.ledger).engine(SimulatedEngine.NAME).build();
        final SimulatedEngine engine = new SimulatedEngine(run.schedule);
        try (PoisonReportingRing closer = new PoisonReportingRing(naive ? TestRings.openWithNaiveBarriers(config, engine) : IoRing.open(config, engine)))
        {
            final IoRing ring = closer.ring;
            final IoFile[] files = new IoFile[sims.length];
            for (int i = 0; i < sims.length; i++)
            {
                files[i] = ring.adopt(sims[i]);
            }
            final int actors = 2 + random.nextInt(4);
            final List<List<List<Write>>> issued = new ArrayList<>();
            final int[] opsLeft = new int[actors];
            final Barrier[] waiting = new Barrier[actors];
            final boolean[] waits = new boolean[actors];
            for (int a = 0; a < actors; a++)
            {
                final List<List<Write>> perFile = new ArrayList<>();
                for (int f = 0; f < files.length; f++)
                {
                    perFile.add(new ArrayList<>());
                }
                issued.add(perFile);
                opsLeft[a] = 4 + random.nextInt(16);
                waits[a] = random.nextBoolean();
            }
            for (int step = 0; step < 100_000; step++)
            {
                boolean finished = true;
                for (int a = 0; a < actors; a++)
                {
                    finished &= opsLeft[a] == 0;
                }
                if (finished)
                {
                    break;
                }
                final int a = random.nextInt(actors);
                if (random.nextInt(100) < 50 || opsLeft[a] == 0 || (waiting[a] != null && !waiting[a].done))
                {
                    ring.poll();
                    continue;
                }
                opsLeft[a]--;
                final int f = random.nextInt(files.length);
                final int op = random.nextInt(100);
                if (op < 60)
                {
                    issued.get(a).get(f).add(run.write(files[f], sims[f]));
                }
                else if (op < 67)
                {
                    // A plain sync beside the barriers: after an error it returns 0 again (fsyncgate).
                    files[f].fdatasync();
                }
                else
                {
                    final Barrier b = run.barrier(files[f], sims[f], issued.get(a).get(f),
                        random.nextInt(5) == 0 ? BarrierMode.FULL : BarrierMode.DATA);
                    if (waits[a])
                    {
                        waiting[a] = b;
                    }
                }
            }
            for (int i = 0; i < 100_000 && !run.allDone(); i++)
            {
                ring.poll();
            }
        }
        run.check();
    }

    /** Real producer threads on a DEDICATED ring: device seeded, interleaving not. */
    private static void runThreadedSchedule(final Run run) throws Exception
    {
        final Random random = run.random;
        final SimulatedFile[] sims = run.files(1 + random.nextInt(2));
        final int threads = 2 + random.nextInt(3);
        final long[] threadSeeds = new long[threads];
        for (int t = 0; t < threads; t++)
        {
            threadSeeds[t] = random.nextLong();
        }
        final RingConfig.Builder config = dedicated("sim-" + run.seed).queueDepth(8 + random.nextInt(56))
            .barrierSyncsInFlightMax(run.syncsInFlightMax).barrierObserver(run.ledger);
        try (PoisonReportingRing closer = new PoisonReportingRing(SimulatedEngine.open(config, run.schedule)))
        {
            final IoRing ring = closer.ring;
            final IoFile[] files = new IoFile[sims.length];
            for (int i = 0; i < sims.length; i++)
            {
                files[i] = ring.adopt(sims[i]);
            }
            final List<Thread> producers = new ArrayList<>();
            final Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
            for (int t = 0; t < threads; t++)
            {
                final Random own = new Random(threadSeeds[t]);
                final Thread producer = new Thread(() ->
                {
                    try
                    {
                        final List<List<Write>> issued = new ArrayList<>();
                        for (int f = 0; f < files.length; f++)
                        {
                            issued.add(new ArrayList<>());
                        }
                        final int ops = 4 + own.nextInt(12);
                        for (int i = 0; i < ops; i++)
                        {
                            final int f = own.nextInt(files.length);
                            if (own.nextInt(100) < 60)
                            {
                                issued.get(f).add(run.write(files[f], sims[f]));
                            }
                            else
                            {
                                final Barrier b = run.barrier(files[f], sims[f], issued.get(f), BarrierMode.DATA);
                                if (own.nextBoolean())
                                {
                                    b.signal.get(30, TimeUnit.SECONDS);
                                }
                            }
                        }
                    }
                    catch (final Throwable e)
                    {
                        errors.add(e);
                    }
                }, "producer-" + t);
                producers.add(producer);
                producer.start();
            }
            for (final Thread producer : producers)
            {
                producer.join(60_000);
            }
            if (!errors.isEmpty())
            {
                run.violations.add("producer failed: " + errors.peek());
            }
            for (final Barrier b : run.barriers)
            {
                try
                {
                    b.signal.get(30, TimeUnit.SECONDS);
                }
                catch (final java.util.concurrent.TimeoutException e)
                {
                    break;
                }
            }
        }
        run.check();
    }

    // -------------------------------------------------------------------------------------------- one schedule

    /** A write as the test sees it. Fields written by the agent; read by it, or after the ring closed. */
    static final class Write
    {
        final long tag;
        final SimulatedFile sim;
        final long offset;
        final int length;
        int calls;
        long result;
        IoFailure failure;
        volatile boolean done;

        Write(final long tag, final SimulatedFile sim, final long offset, final int length)
        {
            this.tag = tag;
            this.sim = sim;
            this.offset = offset;
            this.length = length;
        }
    }

    /** A barrier and the writes it must cover. */
    static final class Barrier
    {
        final Write[] covered;
        final SimulatedFile sim;
        final CompletableFuture<Void> signal = new CompletableFuture<>();
        boolean ok;
        IoFailure failure;
        volatile boolean done;

        Barrier(final Write[] covered, final SimulatedFile sim)
        {
            this.covered = covered;
            this.sim = sim;
        }
    }

    /** One schedule: the seed, the device's schedule and faults, what was issued, the violations found. */
    static final class Run
    {
        final long seed;
        final Random random;
        final SimulatedSchedule schedule;
        final Queue<String> violations = new ConcurrentLinkedQueue<>();
        final Queue<Write> writes = new ConcurrentLinkedQueue<>();
        final Queue<Barrier> barriers = new ConcurrentLinkedQueue<>();
        final AtomicLong tags = new AtomicLong();
        /** K of rule 4 for this schedule: 1, 2 or 4 syncs in flight per file, drawn from the seed. */
        final int syncsInFlightMax;
        final SyncLedger ledger;
        SimulatedFile[] sims;
        int errorsDelivered;
        int barriersFailed;
        int barriersSucceeded;

        Run(final long seed)
        {
            this.seed = seed;
            this.random = new Random(seed * 0x9E3779B97F4A7C15L);
            this.schedule = new SimulatedSchedule(seed);
            schedule.maxWriteDelayCycles = 1 + random.nextInt(6);
            schedule.maxSyncDelayCycles = 1 + random.nextInt(24);
            schedule.shortWritePercent = random.nextInt(3) == 0 ? 40 : 0;
            schedule.refusePercent = random.nextInt(4) == 0 ? 25 : 0;
            syncsInFlightMax = new int[] {1, 2, 4}[random.nextInt(3)];
            ledger = new SyncLedger(syncsInFlightMax);
        }

        /** @return the first violation of the barrier properties or of rule 4's sync accounting, or null. */
        String firstViolation()
        {
            final String v = violations.peek();
            return v != null ? v : ledger.violations.peek();
        }

        int violationCount()
        {
            return violations.size() + ledger.violations.size();
        }

        SimulatedFile[] files(final int n)
        {
            sims = new SimulatedFile[n];
            for (int i = 0; i < n; i++)
            {
                sims[i] = new SimulatedFile(Path.of("sim-" + seed + "-" + i));
                if (random.nextInt(100) < 35)
                {
                    switch (random.nextInt(4))
                    {
                        case 0:
                            sims[i].failWrite(1 + random.nextInt(25), random.nextBoolean() ? Errno.EIO : Errno.ENOSPC);
                            break;
                        case 1:
                            sims[i].failWritesAt((long)PAGE * random.nextInt(PAGES));
                            break;
                        case 2:
                            sims[i].latentWriteError(1 + random.nextInt(25));
                            break;
                        default:
                            sims[i].failSync(1 + random.nextInt(6));
                            break;
                    }
                }
            }
            return sims;
        }

        /** Writes one or two pages at a random page (overwrites happen), with the device's pattern. */
        Write write(final IoFile file, final SimulatedFile sim)
        {
            final long offset;
            final int length;
            synchronized (random)
            {
                offset = (long)PAGE * random.nextInt(PAGES);
                length = PAGE * (1 + random.nextInt(2));
            }
            final Write w = new Write(tags.incrementAndGet(), sim, offset, length);
            writes.add(w);
            file.write(offset, pattern(w.tag, offset, length), WRITE_DONE, w, 0);
            return w;
        }

        Barrier barrier(final IoFile file, final SimulatedFile sim, final List<Write> issuedBefore, final BarrierMode mode)
        {
            final Barrier b = new Barrier(issuedBefore.toArray(new Write[0]), sim);
            barriers.add(b);
            file.barrier(mode, new BarrierHandler(this), b, 0);
            return b;
        }

        boolean allDone()
        {
            for (final Write w : writes)
            {
                if (!w.done)
                {
                    return false;
                }
            }
            for (final Barrier b : barriers)
            {
                if (!b.done)
                {
                    return false;
                }
            }
            return true;
        }

        /** After the ring closed: completion, exactly-once, crash images. */
        void check()
        {
            for (final SimulatedFile sim : sims)
            {
                if (!sim.problems().isEmpty())
                {
                    violations.add("device saw misplaced bytes: " + sim.problems().get(0));
                }
                if (sim.errorDelivered())
                {
                    errorsDelivered++;
                }
            }
            for (final Write w : writes)
            {
                if (!w.done || w.calls != 1)
                {
                    violations.add("write completed " + w.calls + " times (done=" + w.done + "): tag=" + w.tag);
                    continue;
                }
                if (w.failure == null)
                {
                    // Short writes resubmitted: the records cover [offset, offset + length) exactly once, in order.
                    long at = w.offset;
                    for (final SimulatedFile.Record r : w.sim.records(w.tag))
                    {
                        if (r.offset != at)
                        {
                            violations.add("write's parts not contiguous: tag=" + w.tag + " expected=" + at + " got=" + r.offset);
                        }
                        at = r.offset + r.length;
                    }
                    if (at != w.offset + w.length)
                    {
                        violations.add("write's parts do not add up: tag=" + w.tag + " end=" + at +
                            " expected=" + (w.offset + w.length));
                    }
                }
            }
            for (final Barrier b : barriers)
            {
                if (!b.done)
                {
                    violations.add("barrier never completed: covering " + b.covered.length + " writes");
                }
                else if (b.ok)
                {
                    barriersSucceeded++;
                }
                else
                {
                    barriersFailed++;
                }
            }
            for (final SimulatedFile sim : sims)
            {
                final SimulatedFile.CrashMode mode = SimulatedFile.CrashMode.values()[random.nextInt(3)];
                final int[] image = sim.crash(mode, random);
                for (final Barrier b : barriers)
                {
                    if (b.sim != sim || !b.ok)
                    {
                        continue;
                    }
                    for (final Write w : b.covered)
                    {
                        for (final SimulatedFile.Record r : sim.records(w.tag))
                        {
                            for (long s = r.offset / SimulatedFile.SECTOR; s < (r.offset + r.length) / SimulatedFile.SECTOR; s++)
                            {
                                // The sector holds this record or one that completed after it (an overwrite).
                                if (image[(int)s] < r.index)
                                {
                                    violations.add("covered write lost in crash (" + mode + "): tag=" + w.tag +
                                        " sector=" + s + " holds record=" + image[(int)s] + " expected>=" + r.index);
                                    return;
                                }
                            }
                        }
                    }
                }
            }
        }

        /** What the device saw, for replay comparison. */
        String trace()
        {
            final StringBuilder b = new StringBuilder();
            for (final SimulatedFile sim : sims)
            {
                b.append("file durable=").append(sim.durablePrefix()).append(" syncs=").append(sim.syncsIssued()).append(':');
                for (final SimulatedFile.Record r : sim.log())
                {
                    b.append(r.tag).append('@').append(r.offset).append('+').append(r.length).append(r.lost() ? "L " : " ");
                }
            }
            for (final Barrier barrier : barriers)
            {
                b.append(barrier.ok ? 'S' : 'F');
            }
            return b.toString();
        }
    }

    private static final IoHandler<Write> WRITE_DONE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final Write w, final long token)
        {
            w.calls++;
            w.result = result;
            w.done = true;
        }

        @Override
        public void failed(final IoFailure failure, final Write w, final long token)
        {
            w.calls++;
            w.failure = failure;
            w.done = true;
        }
    };

    /** Checks a barrier's outcome on the agent thread, when the device's state is exactly what it answered on. */
    private static final class BarrierHandler implements IoHandler<Barrier>
    {
        private final Run run;

        BarrierHandler(final Run run)
        {
            this.run = run;
        }

        @Override
        public void completed(final long result, final Barrier b, final long token)
        {
            b.ok = true;
            if (b.sim.errorDelivered())
            {
                run.violations.add("barrier succeeded after an error was delivered on its file: errno=" + b.sim.firstErrno());
            }
            for (final Write w : b.covered)
            {
                if (!w.done || w.failure != null)
                {
                    run.violations.add("barrier succeeded before its covered write succeeded: tag=" + w.tag +
                        " done=" + w.done + " failure=" + w.failure);
                }
                else if (w.sim.durableBytes(w.tag) != w.length)
                {
                    run.violations.add("barrier succeeded but a covered write is not durable: tag=" + w.tag +
                        " durableBytes=" + w.sim.durableBytes(w.tag) + " length=" + w.length);
                }
            }
            b.done = true;
            b.signal.complete(null);
        }

        @Override
        public void failed(final IoFailure failure, final Barrier b, final long token)
        {
            b.failure = failure;
            if (!b.sim.errorDelivered())
            {
                run.violations.add("barrier failed with no error on its file: " + failure.getMessage());
            }
            else if (failure.errno() != b.sim.firstErrno())
            {
                run.violations.add("barrier failed with errno=" + failure.errno() + " not the original cause errno=" +
                    b.sim.firstErrno());
            }
            b.done = true;
            b.signal.complete(null);
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Every 8-byte word: {@code tag << 32 | (fileOffset / 8)}, as {@link SimulatedFile} checks. */
    static ByteBuffer pattern(final long tag, final long fileOffset, final int length)
    {
        final ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i += 8)
        {
            b.putLong(i, tag << 32 | (((fileOffset + i) >>> 3) & 0xFFFF_FFFFL));
        }
        return b;
    }

    private static <T> T get(final CompletableFuture<T> f, final long seed) throws Exception
    {
        try
        {
            return f.get(10, TimeUnit.SECONDS);
        }
        catch (final ExecutionException e)
        {
            throw new AssertionError("seed=" + seed + ": " + e.getCause(), e.getCause());
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

    private static IoFailure barrierFailure(final IoRing ring, final IoFile file)
    {
        final ExecutionException e = assertThrows(ExecutionException.class, () -> drive(ring, file.barrier(BarrierMode.DATA)));
        return assertInstanceOf(IoFailure.class, e.getCause());
    }

    /**
     * Closes its ring at the end of a test. Closing a ring is a barrier for each file (BARRIER.md rule 11), so a
     * file these tests poisoned on purpose (injected write or sync errors) makes the close throw its IoFailure: that
     * is expected here, and checked to be such a poison, never anything else.
     */
    private static final class PoisonReportingRing implements AutoCloseable
    {
        final IoRing ring;

        PoisonReportingRing(final IoRing ring)
        {
            this.ring = ring;
        }

        @Override
        public void close()
        {
            try
            {
                ring.close();
            }
            catch (final IoFailure e)
            {
                assertTrue(e.getMessage().contains("barriers fail from now on"), "only a poisoned file's failure: " + e);
            }
        }
    }
}
