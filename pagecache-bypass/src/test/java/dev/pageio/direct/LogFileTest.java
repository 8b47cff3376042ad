package dev.pageio.direct;

import dev.pageio.core.Engines;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.QueueFullException;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LogFile} on the real kernel, per engine, on ext4 (this module's target/): concurrent appenders of random
 * sizes, commit, reopen, every committed record read back byte for byte; segments reused; bad input refused.
 */
class LogFileTest
{
    private static final long SEGMENT_BYTES = 256 << 10;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception
    {
        dir = TestFiles.ext4Dir("log");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(dir);
    }

    static Stream<String> engines()
    {
        final List<String> names = new ArrayList<>();
        for (final IoEngine engine : Engines.all())
        {
            if (engine.name().equals("simulated"))
            {
                continue;
            }
            if (engine.available())
            {
                names.add(engine.name());
            }
            else
            {
                System.out.println("engine " + engine.name() + " unavailable here: " + engine.unavailableCause());
            }
        }
        return names.stream();
    }

    private static LogConfig config(final String engine)
    {
        return LogConfig.builder().segmentBytes(SEGMENT_BYTES).bufferBytes(1 << 20)
            .ringConfig(RingConfig.builder().engine(engine).name("log-test").build()).build();
    }

    /** Record {@code i} of thread {@code t}: its bytes are a function of (t, i, length). */
    static byte[] record(final int t, final int i, final int length)
    {
        final byte[] b = new byte[length];
        new Random((long)t << 32 | i).nextBytes(b);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldReadBackEveryCommittedRecordByteForByteAfterReopen(final String engine) throws Exception
    {
        final int threads = 8;
        final int perThread = 60;
        final Map<Long, byte[]> written = new ConcurrentSkipListMap<>();
        final long seed = System.nanoTime();
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            assertEquals(engine, log.ring().engineName());
            final List<Thread> workers = new ArrayList<>();
            final List<Throwable> errors = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final int id = t;
                final Thread w = new Thread(() ->
                {
                    try
                    {
                        final Random random = new Random(seed + id);
                        final ByteBuffer src = ByteBuffer.allocateDirect(64 << 10);
                        final List<CompletableFuture<Long>> commits = new ArrayList<>();
                        for (int i = 0; i < perThread; i++)
                        {
                            // 1 B to 64 KiB, most small, some spanning blocks and segments.
                            final int length = random.nextInt(4) == 0 ? 1 + random.nextInt(64 << 10) :
                                1 + random.nextInt(700);
                            final byte[] bytes = record(id, i, length);
                            src.clear();
                            src.put(bytes).flip();
                            final long lsn = log.append(src);
                            written.put(lsn, bytes);
                            if (random.nextBoolean())
                            {
                                commits.add(log.commit(lsn));
                            }
                            else
                            {
                                log.commit(lsn).get(30, TimeUnit.SECONDS);
                            }
                        }
                        for (final CompletableFuture<Long> c : commits)
                        {
                            c.get(30, TimeUnit.SECONDS);
                        }
                    }
                    catch (final Throwable e)
                    {
                        synchronized (errors)
                        {
                            errors.add(e);
                        }
                    }
                }, "appender-" + t);
                workers.add(w);
                w.start();
            }
            for (final Thread w : workers)
            {
                w.join(TimeUnit.SECONDS.toMillis(100));
                assertFalse(w.isAlive(), "appender stuck: seed=" + seed);
            }
            assertTrue(errors.isEmpty(), "seed=" + seed + " errors=" + errors);
            assertTrue(log.durableLsn() > new TreeMap<>(written).lastKey());
        }
        final long segments;
        try (Stream<Path> files = Files.list(dir))
        {
            segments = files.count();
        }
        assertTrue(segments >= 3, "records spanned segments: files=" + segments);
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            assertReadsBack(log, written, seed);
        }
    }

    static void assertReadsBack(final LogFile log, final Map<Long, byte[]> written, final long seed) throws Exception
    {
        int found = 0;
        try (LogReader reader = log.reader(log.startLsn()))
        {
            while (reader.next())
            {
                final byte[] expected = written.get(reader.lsn());
                if (expected == null)
                {
                    continue;
                }
                final ByteBuffer r = reader.record();
                final byte[] actual = new byte[r.remaining()];
                r.get(actual);
                assertArrayEquals(expected, actual, "seed=" + seed + " lsn=" + reader.lsn());
                found++;
            }
            assertEquals(written.size(), found, "seed=" + seed + " end=" + reader.endLsn() + " reason=" +
                reader.endReason());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldKeepRecordsAcrossSeveralReopensAndAppendAfterTheSealedEnd() throws Exception
    {
        final Map<Long, byte[]> written = new TreeMap<>();
        for (int run = 0; run < 3; run++)
        {
            try (LogFile log = LogFile.open(dir, config("auto")))
            {
                assertTrue(log.firstLsn() >= log.recoveredEndLsn());
                assertEquals(0, log.firstLsn() % (SEGMENT_BYTES - 4096), "a fresh segment after the recovered end");
                assertReadsBack(log, written, run);
                long last = -1;
                for (int i = 0; i < 20; i++)
                {
                    final byte[] bytes = record(run, i, 1 + i * 97);
                    last = log.append(ByteBuffer.wrap(bytes));
                    written.put(last, bytes);
                }
                log.commit(last).get(30, TimeUnit.SECONDS);
                assertReadsBack(log, written, run);
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldTruncateAndReuseSegmentsUnderANewGeneration() throws Exception
    {
        final LogConfig config = LogConfig.builder().segmentBytes(SEGMENT_BYTES).bufferBytes(1 << 20)
            .spareSegmentsMax(2).build();
        final Map<Long, byte[]> kept = new TreeMap<>();
        try (LogFile log = LogFile.open(dir, config))
        {
            final byte[] big = record(1, 1, 60_000);
            long last = -1;
            for (int i = 0; i < 30; i++)
            {
                last = log.append(ByteBuffer.wrap(big));
            }
            log.commit(last).get(30, TimeUnit.SECONDS);
            final long start = log.truncateBefore(last);
            assertTrue(start > 0 && start <= last, "start=" + start + " last=" + last);
            final long spares;
            try (Stream<Path> files = Files.list(dir))
            {
                spares = files.filter(p -> p.getFileName().toString().startsWith("spare-")).count();
            }
            assertTrue(spares >= 1 && spares <= 2, "spares=" + spares);
            kept.put(last, big);
            // New segments now come from the spares, whose old frames must never be read.
            for (int i = 0; i < 30; i++)
            {
                final byte[] bytes = record(2, i, 50_000 + i);
                last = log.append(ByteBuffer.wrap(bytes));
                kept.put(last, bytes);
            }
            log.commit(last).get(30, TimeUnit.SECONDS);
        }
        try (LogFile log = LogFile.open(dir, config))
        {
            int found = 0;
            try (LogReader reader = log.reader(log.startLsn()))
            {
                while (reader.next())
                {
                    final byte[] expected = kept.get(reader.lsn());
                    if (expected != null)
                    {
                        final byte[] actual = new byte[reader.length()];
                        reader.record().get(actual);
                        assertArrayEquals(expected, actual, "lsn=" + reader.lsn());
                        found++;
                    }
                    else
                    {
                        assertTrue(reader.lsn() < kept.keySet().iterator().next(),
                            "only the records before the truncation point are unknown: lsn=" + reader.lsn());
                    }
                }
            }
            assertEquals(kept.size(), found);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseARecordLargerThanASegmentWithItsSizeAndTheLimit() throws Exception
    {
        try (LogFile log = LogFile.open(dir, config("auto")))
        {
            final int tooBig = (int)SEGMENT_BYTES;
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.append(ByteBuffer.allocate(tooBig)));
            assertTrue(e.getMessage().contains("length=" + tooBig) &&
                e.getMessage().contains("limit=" + log.maxRecordBytes()), e.getMessage());
            assertEquals(SEGMENT_BYTES - 4096 - 16, log.maxRecordBytes());
            final long lsn = log.append(ByteBuffer.allocate(log.maxRecordBytes()));
            log.commit(lsn).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseACommitOfAnLsnNotYetAppended() throws Exception
    {
        try (LogFile log = LogFile.open(dir, config("auto")))
        {
            final long lsn = log.append(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> log.commit(log.appendedEndLsn()));
            assertTrue(e.getMessage().startsWith("lsn not appended: lsn=" + log.appendedEndLsn()), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> log.commit(-1));
            log.commit(lsn).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseAppendAndCommitAfterClose() throws Exception
    {
        final LogFile log = LogFile.open(dir, config("auto"));
        final long lsn = log.append(ByteBuffer.wrap(new byte[] {1}));
        log.close();
        assertTrue(log.durableLsn() > lsn, "close makes every appended record durable");
        final LogClosedException e = assertThrows(LogClosedException.class, () -> log.append(ByteBuffer.allocate(1)));
        assertTrue(e.getMessage().contains("length=1"), e.getMessage());
        assertThrows(LogClosedException.class, () -> log.commit(lsn));
        log.close();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseToReopenWithAnotherSegmentSize() throws Exception
    {
        try (LogFile log = LogFile.open(dir, config("auto")))
        {
            log.commit(log.append(ByteBuffer.allocate(10))).get(30, TimeUnit.SECONDS);
        }
        final IOException e = assertThrows(IOException.class, () -> LogFile.open(dir,
            LogConfig.builder().segmentBytes(SEGMENT_BYTES * 2).build()));
        assertTrue(e.getMessage().contains("segmentBytes=" + SEGMENT_BYTES), e.getMessage());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseWithBackPressureWhenTheBufferIsFullAndNothingCommits() throws Exception
    {
        // tryAppend never waits: a full buffer is a typed refusal (BACK_PRESSURED), never a drop.
        try (LogFile log = LogFile.open(dir, LogConfig.builder().segmentBytes(SEGMENT_BYTES).bufferBytes(8192)
            .appendTimeoutNs(TimeUnit.SECONDS.toNanos(10)).build()))
        {
            final ByteBuffer r = ByteBuffer.allocate(4000);
            long accepted = 0;
            long refused = 0;
            for (int i = 0; i < 200; i++)
            {
                final long lsn = log.tryAppend(r.duplicate());
                if (lsn == LogFile.BACK_PRESSURED)
                {
                    refused++;
                }
                else
                {
                    accepted++;
                }
            }
            assertTrue(accepted > 0, "accepted=" + accepted + " refused=" + refused);
            // append waits for the flusher to free space instead.
            final long lsn = log.append(r.duplicate());
            log.commit(lsn).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseAppendsAndNeverPoisonTheLogWhileASharedRingHasNoFreeSlot() throws Exception
    {
        // A shared ring whose every slot is held by another file's reads: the log can neither kick its flusher nor
        // write. That is back-pressure (typed refusals), not a failure: once the reads complete, the log goes on.
        final HeldReads held = new HeldReads();
        final IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(2).queueDepth(16)
            .submitTimeoutNs(0).name("log-shared").build());
        try (LogFile log = LogFile.open(dir, LogConfig.builder().segmentBytes(SEGMENT_BYTES).bufferBytes(8192)
            .appendTimeoutNs(TimeUnit.MILLISECONDS.toNanos(200)).ring(ring).build()))
        {
            final ByteBuffer r = ByteBuffer.allocate(4000);
            log.commit(log.append(r.duplicate())).get(30, TimeUnit.SECONDS);
            final IoFile other = ring.adopt(held);
            final List<CompletableFuture<Long>> reads = new ArrayList<>();
            while (true)
            {
                try
                {
                    reads.add(other.read(0, ByteBuffer.allocate(512)));
                }
                catch (final QueueFullException full)
                {
                    break;
                }
            }
            assertFalse(reads.isEmpty());

            long last = -1;
            int refused = 0;
            for (int i = 0; i < 10; i++)
            {
                final long lsn = log.tryAppend(r.duplicate());
                if (lsn == LogFile.BACK_PRESSURED)
                {
                    refused++;
                }
                else
                {
                    last = lsn;
                }
            }
            assertTrue(refused > 0, "a full buffer that cannot be written out refuses: refused=" + refused);
            final LogFullException full = assertThrows(LogFullException.class, () -> log.append(r.duplicate()));
            assertTrue(full.getMessage().startsWith("log buffer full: length=4000 bufferBytes=8192 timeoutNs="),
                full.getMessage());
            final CompletableFuture<Long> commit = log.commit(last >= 0 ? last : log.appendedEndLsn() - 1);
            Thread.sleep(100);
            assertFalse(commit.isDone(), "nothing can be written while the ring is full");
            assertNull(log.failure(), "back-pressure is not a failure");

            held.release.countDown();
            for (final CompletableFuture<Long> read : reads)
            {
                assertEquals(512L, read.get(30, TimeUnit.SECONDS));
            }
            assertTrue(commit.get(30, TimeUnit.SECONDS) > 0);
            log.commit(log.append(r.duplicate())).get(30, TimeUnit.SECONDS);
            assertNull(log.failure());
        }
        finally
        {
            held.release.countDown();
            ring.close();
        }
    }

    /** Another file on the shared ring: its reads block until released. */
    private static final class HeldReads extends FileAccess
    {
        final CountDownLatch release = new CountDownLatch(1);

        HeldReads()
        {
            super(Path.of("held"));
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
