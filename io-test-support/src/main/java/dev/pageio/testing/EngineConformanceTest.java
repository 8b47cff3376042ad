package dev.pageio.testing;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.BarrierObserver;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.TestRings;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every engine keeps. A subclass names the engine, the directory (ext4 or tmpfs) and how a file is
 * opened (buffered, or O_DIRECT through {@code adopt}). Sizes and offsets are multiples of {@link #PAGE} and
 * buffers are page-aligned, so that the same tests hold on O_DIRECT files.
 *
 * <p>The suite is one class to extend, written in parts by topic along its superclasses:
 * {@link EngineConformanceBase} (the frame and helpers), {@link EngineRequestConformance} (round trips, batches,
 * status and cancel), {@link EngineLimitsConformance} (argument errors, back-pressure, close, driving) and this
 * class (concurrency, barriers, leaks). Every test of every part runs on every subclass.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EngineConformanceTest extends EngineLimitsConformance
{
    // ------------------------------------------------------------------------------------------ concurrency

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldKeepEveryByteWithEightThreadsAndAHundredThousandOperations() throws Exception
    {
        final int threads = 8;
        final int pagesPerThread = 64;
        final int iterations = 6_250; // each iteration: one write and one read; 8 × 6,250 × 2 = 100,000 operations
        final long seed = System.nanoTime();
        final IoRing big = extraRing(config().queueDepth(256).build());
        try (IoFile file = openFile(big, dir.resolve("concurrent")))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final AtomicLong operations = new AtomicLong();
            final List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                results.add(pool.submit(() ->
                {
                    final ByteBuffer src = buffer(PAGE);
                    final ByteBuffer dst = buffer(PAGE);
                    final Random random = new Random(seed + thread);
                    final long[] version = new long[pagesPerThread];
                    for (int i = 0; i < iterations; i++)
                    {
                        final int page = random.nextInt(pagesPerThread);
                        final long offset = (long)(thread * pagesPerThread + page) * PAGE;
                        version[page] = i + 1;
                        fill(src, thread, page, version[page]);
                        assertEquals(PAGE, get(file.write(offset, src)));
                        final int check = random.nextInt(pagesPerThread);
                        final long checkOffset = (long)(thread * pagesPerThread + check) * PAGE;
                        dst.clear();
                        final long n = get(file.read(checkOffset, dst));
                        operations.addAndGet(2);
                        if (version[check] == 0)
                        {
                            continue;
                        }
                        assertEquals(PAGE, n);
                        verify(dst, thread, check, version[check], seed);
                    }
                    return null;
                }));
            }
            for (final Future<?> f : results)
            {
                try
                {
                    f.get(280, TimeUnit.SECONDS);
                }
                catch (final ExecutionException e)
                {
                    throw new AssertionError("seed=" + seed + ": " + e.getCause(), e.getCause());
                }
            }
            pool.shutdown();
            assertEquals(100_000, operations.get());
        }
    }

    private static void fill(final ByteBuffer b, final int thread, final int page, final long version)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            b.putLong(i, (version << 32) ^ ((long)thread << 24) ^ ((long)page << 12) ^ i);
        }
    }

    private static void verify(final ByteBuffer b, final int thread, final int page, final long version, final long seed)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            final long expected = (version << 32) ^ ((long)thread << 24) ^ ((long)page << 12) ^ i;
            if (b.getLong(i) != expected)
            {
                throw new AssertionError("byte mismatch: thread=" + thread + " page=" + page + " version=" + version +
                    " at=" + i + " seed=" + seed);
            }
        }
    }

    // -------------------------------------------------------------------------------------------- barriers

    @Test
    void shouldSyncOnceForABarrierAfterWritesAndNotAgainWhenCovered() throws Exception
    {
        try (IoFile file = openFile(ring, dir.resolve("barrier")))
        {
            assertEquals(0L, get(file.barrier(BarrierMode.DATA)), "nothing to cover: no sync");
            assertEquals(0, file.barrierSyncs());
            for (int i = 0; i < 8; i++)
            {
                file.write((long)i * PAGE, pattern(PAGE, i));
            }
            assertEquals(8L, get(file.barrier(BarrierMode.DATA)), "covers the 8 writes accepted before it");
            final long syncs = file.barrierSyncs();
            assertTrue(syncs >= 1 && syncs <= 8, "syncs=" + syncs);
            assertEquals(8L, get(file.barrier(BarrierMode.DATA)));
            assertEquals(syncs, file.barrierSyncs(), "an already covered barrier makes no system call");
            for (int i = 0; i < 8; i++)
            {
                final ByteBuffer dst = buffer(PAGE);
                get(file.read((long)i * PAGE, dst));
                assertArrayEquals(bytes(pattern(PAGE, i)), bytes(dst));
            }
        }
    }

    @Test
    void shouldCoalesceConcurrentBarriersIntoFewerSyncs() throws Exception
    {
        final IoRing big = extraRing(config().queueDepth(256).build());
        try (IoFile file = openFile(big, dir.resolve("group-commit")))
        {
            final int threads = 8;
            final int commits = 50;
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    final ByteBuffer page = pattern(PAGE, thread);
                    for (int i = 0; i < commits; i++)
                    {
                        get(file.write((long)(thread * commits + i) * PAGE, page));
                        get(file.barrier(BarrierMode.DATA));
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals((long)threads * commits, file.barriersCompleted());
            assertTrue(file.barrierSyncs() <= file.barriersCompleted(),
                "syncs=" + file.barrierSyncs() + " barriers=" + file.barriersCompleted());
        }
    }

    @Test
    void shouldMakeABarrierOverSeveralFilesAndWriteOnlyAfterABarrier() throws Exception
    {
        try (IoFile wal = openFile(ring, dir.resolve("wal")); IoFile data = openFile(ring, dir.resolve("data")))
        {
            wal.write(0, pattern(PAGE, 1));
            data.write(0, pattern(PAGE, 2));
            get(ring.barrier(BarrierMode.DATA, wal, data));
            assertTrue(wal.barrierSyncs() >= 1 && data.barrierSyncs() >= 1);

            wal.write(PAGE, pattern(PAGE, 3));
            final CompletableFuture<Long> page = data.writeAfter(wal.barrier(BarrierMode.DATA), PAGE, pattern(PAGE, 4));
            assertEquals(PAGE, get(page));
            final ByteBuffer dst = buffer(PAGE);
            get(data.read(PAGE, dst));
            assertArrayEquals(bytes(pattern(PAGE, 4)), bytes(dst));

            final CompletableFuture<Long> failed = new CompletableFuture<>();
            failed.completeExceptionally(new IllegalStateException("wal barrier failed"));
            final ExecutionException refused = assertThrows(ExecutionException.class,
                () -> data.writeAfter(failed, 2L * PAGE, pattern(PAGE, 5)).get(30, TimeUnit.SECONDS));
            final IoFailure why = assertInstanceOf(IoFailure.class, refused.getCause());
            assertTrue(why.getMessage().contains("not issued"), why.getMessage());
            assertEquals(2L * PAGE, data.size(), "the refused write was not issued");
        }
    }

    @Test
    void shouldBarrierBeforeClosingAFileWithWrites() throws Exception
    {
        final IoFile file = openFile(ring, dir.resolve("close-barrier"));
        for (int i = 0; i < 4; i++)
        {
            file.write((long)i * PAGE, pattern(PAGE, i));
        }
        file.close();
        assertTrue(file.barrierSyncs() >= 1, "close is a barrier, then close");
        assertTrue(file.barriersCompleted() >= 1);
    }

    @Test
    void shouldBarrierEachFileWhenTheRingCloses() throws Exception
    {
        final IoRing r = extraRing(config().build());
        final IoFile a = openFile(r, dir.resolve("ring-close-a"));
        final IoFile b = openFile(r, dir.resolve("ring-close-b"));
        get(a.write(0, pattern(PAGE, 1)));
        get(b.write(0, pattern(PAGE, 2)));
        assertEquals(0, a.barrierSyncs());
        r.close();
        assertEquals(1, a.barrierSyncs(), "ring close is a barrier for each file (BARRIER.md rule 11)");
        assertEquals(1, b.barrierSyncs(), "ring close is a barrier for each file (BARRIER.md rule 11)");
        assertNull(get(a.closeAsync()));
        assertNull(get(b.closeAsync()));
    }

    /** A file whose barriers fail: a write on it failed (EBADF on a read-only descriptor), which poisons it. */
    private IoFile poisonedFile(final IoRing r, final String name) throws Exception
    {
        final Path path = dir.resolve(name);
        try (IoFile file = openFile(r, path))
        {
            get(file.write(0, pattern(PAGE, 1)));
        }
        final IoFile readOnly = openReadOnly(r, path);
        final ExecutionException e = assertThrows(ExecutionException.class,
            () -> readOnly.write(0, pattern(PAGE, 2)).get(30, TimeUnit.SECONDS));
        assertEquals(Errno.EBADF, assertInstanceOf(IoFailure.class, e.getCause()).errno());
        return readOnly;
    }

    @Test
    void shouldReportAFailedBarrierOfTheRingsCloseTypedAndNamingTheFile() throws Exception
    {
        final IoRing r = extraRing(config().build());
        final IoFile poisoned = poisonedFile(r, "ring-close-poisoned");
        final IoFile healthy = openFile(r, dir.resolve("ring-close-healthy"));
        get(healthy.write(0, pattern(PAGE, 3)));
        final IoFailure failure = assertThrows(IoFailure.class, r::close);
        assertEquals(Errno.EBADF, failure.errno(), failure.getMessage());
        assertTrue(failure.path().endsWith("ring-close-poisoned"), failure.path());
        assertTrue(r.terminated().isDone());
        final ExecutionException e = assertThrows(ExecutionException.class, () -> poisoned.closeAsync().get());
        assertSame(failure, e.getCause(), "the close future fails with the same failure as its cause");
        assertNull(get(healthy.closeAsync()), "the healthy file closed cleanly");
        assertEquals(1, healthy.barrierSyncs());
        r.close(); // idempotent: reported once
    }

    @Test
    void shouldThrowTheOriginalTypedFailureWhenClosingAFileAfterAFailure() throws Exception
    {
        final IoFile poisoned = poisonedFile(ring, "file-close-poisoned");
        final IoFailure failure = assertThrows(IoFailure.class, poisoned::close);
        assertEquals(Errno.EBADF, failure.errno(), failure.getMessage());
        assertEquals(IoOp.WRITE, failure.op());
        assertTrue(failure.path().endsWith("file-close-poisoned"), failure.path());
        final ExecutionException e = assertThrows(ExecutionException.class, () -> poisoned.closeAsync().get());
        assertSame(failure, e.getCause());
        poisoned.close(); // idempotent: reported once
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldIssueEverySyncAfterTheCompletionsItCovers() throws Exception
    {
        final OrderingDetector detector = new OrderingDetector();
        final IoRing observed = extraRing(config().queueDepth(512).barrierObserver(detector).build());
        runBarrierWorkload(observed, "ordering");
        assertTrue(detector.syncs.get() > 0, "no sync was issued");
        assertEquals(0, detector.violations.get(), detector.firstViolation.get());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldIssueEverySyncAfterTheCompletionsItCoversWithSeveralSyncsInFlight() throws Exception
    {
        // Rule 4 pipelined, on the real engine: committers each write a page and wait for its barrier.
        final int syncsInFlightMax = 4;
        final OrderingDetector detector = new OrderingDetector();
        final IoRing observed = extraRing(config().queueDepth(256).barrierSyncsInFlightMax(syncsInFlightMax)
            .barrierObserver(detector).build());
        final int threads = 8;
        final int commits = 40;
        try (IoFile file = openFile(observed, dir.resolve("ordering-pipelined")))
        {
            final ExecutorService pool = Executors.newFixedThreadPool(threads);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                done.add(pool.submit(() ->
                {
                    final ByteBuffer page = pattern(PAGE, thread);
                    for (int i = 0; i < commits; i++)
                    {
                        get(file.write((long)(thread * commits + i) * PAGE, page));
                        get(file.barrier(BarrierMode.DATA));
                    }
                    return null;
                }));
            }
            for (final Future<?> f : done)
            {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals((long)threads * commits, file.barriersCompleted());
            assertTrue(file.barrierSyncs() <= file.barriersCompleted(),
                "syncs=" + file.barrierSyncs() + " barriers=" + file.barriersCompleted());
        }
        assertTrue(detector.syncs.get() > 0, "no sync was issued");
        assertEquals(0, detector.violations.get(), detector.firstViolation.get());
        assertTrue(detector.maxInFlight.get() <= syncsInFlightMax, "syncs in flight=" + detector.maxInFlight.get());
        System.out.println("EngineConformanceTest[" + engine() + "]: " + threads + " committers, K=" + syncsInFlightMax +
            ": syncs=" + detector.syncs.get() + " most in flight=" + detector.maxInFlight.get());
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldCatchTheNaiveModeWithTheSameDetector() throws Exception
    {
        // The detector proves something only if it catches a barrier that syncs before its writes completed.
        int caught = 0;
        for (int attempt = 0; attempt < 5 && caught == 0; attempt++)
        {
            final OrderingDetector detector = new OrderingDetector();
            final IoRing naive = TestRings.openWithNaiveBarriers(config().queueDepth(512).barrierObserver(detector).build());
            closeAfterTest(naive);
            runBarrierWorkload(naive, "naive-" + attempt);
            caught = detector.violations.get();
        }
        Assumptions.assumeTrue(caught > 0,
            "INCONCLUSIVE: the naive mode was not caught in 5 runs on engine " + engine() +
            " (its writes completed before the sync was issued every time)");
    }

    private void runBarrierWorkload(final IoRing r, final String name) throws Exception
    {
        try (IoFile file = openFile(r, dir.resolve(name)))
        {
            get(file.write(0, pattern(256 * PAGE, 1)));
            final ByteBuffer page = pattern(PAGE, 2);
            for (int round = 0; round < 4; round++)
            {
                final List<CompletableFuture<Long>> writes = new ArrayList<>();
                for (int i = 0; i < 256; i++)
                {
                    writes.add(file.write((long)i * PAGE, page));
                }
                final CompletableFuture<Long> barrier = file.barrier(BarrierMode.DATA);
                for (final CompletableFuture<Long> w : writes)
                {
                    get(w);
                }
                try
                {
                    get(barrier);
                }
                catch (final IoFailure ignore)
                {
                    // the naive mode may fail; the detector is what is checked
                }
            }
        }
    }

    /** Records write completions and sync issues by sequence number and checks each sync against them. */
    static final class OrderingDetector implements BarrierObserver
    {
        final ConcurrentHashMap<Long, Long> completedAt = new ConcurrentHashMap<>();
        final AtomicInteger violations = new AtomicInteger();
        final AtomicInteger syncs = new AtomicInteger();
        final AtomicReference<String> firstViolation = new AtomicReference<>("none");
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        private final List<long[]> issued = new CopyOnWriteArrayList<>();

        @Override
        public void syncCompleted(final IoFile file, final long covers, final boolean full, final int errno,
            final long nanoTime)
        {
            inFlight.decrementAndGet();
        }

        @Override
        public void writeCompleted(final IoFile file, final long writeSeq, final boolean ok, final long nanoTime)
        {
            completedAt.put(writeSeq, nanoTime);
            // A sync issued earlier that covers this write came before its completion: a violation.
            for (final long[] sync : issued)
            {
                if (writeSeq <= sync[0] && sync[1] < nanoTime)
                {
                    if (violations.getAndIncrement() == 0)
                    {
                        firstViolation.set("sync covering seq<=" + sync[0] + " issued at " + sync[1] +
                            " before write seq=" + writeSeq + " completed at " + nanoTime);
                    }
                    issued.remove(sync);
                    break;
                }
            }
        }

        @Override
        public void syncIssued(final IoFile file, final long covers, final boolean full, final long nanoTime)
        {
            syncs.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            for (long s = 1; s <= covers; s++)
            {
                if (!completedAt.containsKey(s))
                {
                    issued.add(new long[] {covers, nanoTime});
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- leaks

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void shouldNotLeakDescriptorsOverTenThousandOpensAndCloses() throws Exception
    {
        final Path path = dir.resolve("leak");
        final long before = openDescriptors();
        final RingConfig small = config().queueDepth(8).workerThreads(1).build();
        for (int i = 0; i < 10_000; i++)
        {
            try (IoRing r = IoRing.open(small); IoFile file = openFile(r, path))
            {
                if (i % 1000 == 0)
                {
                    get(file.write(0, pattern(PAGE, i)));
                }
            }
        }
        final long after = openDescriptors();
        assertTrue(after <= before + 2, "descriptors before=" + before + " after=" + after);
    }

    /**
     * @return the descriptors this process has open ({@code /proc/self/fd}), or 0 where that directory is absent.
     * @throws IOException when the directory cannot be listed.
     */
    protected static long openDescriptors() throws IOException
    {
        final Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds))
        {
            return 0;
        }
        try (var list = Files.list(fds))
        {
            return list.count();
        }
    }
}
