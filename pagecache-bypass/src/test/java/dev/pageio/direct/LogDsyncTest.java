package dev.pageio.direct;

import dev.pageio.core.RingConfig;
import dev.pageio.core.RingStats;
import dev.pageio.linux.Arch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LogConfig.SyncMode#DSYNC} on the real kernel, per engine (io_uring, aio, threads), on ext4 (this module's
 * target/): the segment files are O_DIRECT|O_DSYNC in the kernel's own view (/proc/self/fdinfo), commits are
 * durable with one write each and not one sync issued, and a reopen finds every committed record.
 */
class LogDsyncTest
{
    private static final long SEGMENT_BYTES = 256 << 10;
    private Path dir;

    @BeforeEach
    void setUp() throws Exception
    {
        dir = TestFiles.ext4Dir("log-dsync");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(dir);
    }

    static Stream<String> engines()
    {
        return LogFileTest.engines();
    }

    private static LogConfig config(final String engine)
    {
        return LogConfig.builder().segmentBytes(SEGMENT_BYTES).bufferBytes(1 << 20)
            .syncMode(LogConfig.SyncMode.DSYNC)
            .ringConfig(RingConfig.builder().engine(engine).name("log-dsync-test").build()).build();
    }

    /** @return the open(2) flags the kernel holds for every descriptor this process has open on a file in dir. */
    private List<Integer> kernelFlagsOfOpenFiles() throws IOException
    {
        final List<Integer> flags = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd")))
        {
            for (final Path fd : (Iterable<Path>)fds::iterator)
            {
                final Path target;
                try
                {
                    target = Files.readSymbolicLink(fd);
                }
                catch (final IOException gone)
                {
                    continue; // closed meanwhile (the listing's own descriptor, or another thread's)
                }
                if (!target.startsWith(dir) || target.equals(dir))
                {
                    continue;
                }
                for (final String line : Files.readAllLines(Paths.get("/proc/self/fdinfo", fd.getFileName().toString())))
                {
                    if (line.startsWith("flags:"))
                    {
                        flags.add(Integer.parseInt(line.substring("flags:".length()).trim(), 8));
                    }
                }
            }
        }
        return flags;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldOpenEverySegmentFileODirectAndODsyncInTheKernel(final String engine) throws Exception
    {
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            assertEquals(engine, log.ring().engineName());
            final long lsn = log.append(ByteBuffer.wrap(new byte[100]));
            log.commit(lsn).get(30, TimeUnit.SECONDS);
            final List<Integer> flags = kernelFlagsOfOpenFiles();
            assertFalse(flags.isEmpty(), "no segment file open: dir=" + dir);
            for (final int f : flags)
            {
                assertTrue((f & Arch.O_DIRECT) != 0 && (f & Arch.O_DSYNC) == Arch.O_DSYNC,
                    "segment file not O_DIRECT|O_DSYNC: flags=0" + Integer.toOctalString(f));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldCommitWithOneWriteAndNoSyncAndFindEveryRecordAfterReopen(final String engine) throws Exception
    {
        final int commits = 300;
        final Map<Long, byte[]> written = new TreeMap<>();
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            final RingStats before = log.ring().stats();
            final long flushesBefore = log.flushes();
            final ByteBuffer src = ByteBuffer.allocateDirect(4096);
            for (int i = 0; i < commits; i++)
            {
                // 100 B records (the bench's small case), and now and then one spanning blocks.
                final byte[] bytes = LogFileTest.record(0, i, i % 50 == 0 ? 3000 : 100);
                src.clear();
                src.put(bytes).flip();
                final long lsn = log.append(src);
                written.put(lsn, bytes);
                log.commit(lsn).get(30, TimeUnit.SECONDS);
                assertTrue(log.durableLsn() > lsn, "commit completed before durableLsn passed it: lsn=" + lsn);
            }
            final RingStats after = log.ring().stats();
            final long flushes = log.flushes() - flushesBefore;
            System.out.println("LogDsyncTest engine=" + engine + " commits=" + commits + " flushes=" + flushes +
                " syncs=" + (after.syncsIssued() - before.syncsIssued()) + " systemCallsPerCommit=" +
                (after.systemCalls() - before.systemCalls()) / (double)commits);
            // One committer: each commit is one flush, and each flush is one write, durable at its completion.
            assertEquals(commits, flushes, "flushes");
            assertEquals(0, after.syncsIssued() - before.syncsIssued(), "syncs issued for commits");
        }
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            LogFileTest.assertReadsBack(log, written, 0);
            // Not even open's recovery (the seal of the old tail, the fresh segment's header) needed a sync.
            assertEquals(0, log.ring().stats().syncsIssued(), "syncs issued by reopen");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldServeManyCommittersWithOneWriteInGroupCommit(final String engine) throws Exception
    {
        final int threads = 8;
        final int perThread = 100;
        final Map<Long, byte[]> written = new ConcurrentSkipListMap<>();
        final long flushes;
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            // Records appended before anyone commits: one flush serves every commit waiting on them.
            final List<Long> lsns = new ArrayList<>();
            for (int i = 0; i < 20; i++)
            {
                final byte[] bytes = LogFileTest.record(99, i, 100);
                final long lsn = log.append(ByteBuffer.wrap(bytes));
                written.put(lsn, bytes);
                lsns.add(lsn);
            }
            final long flushesBefore = log.flushes();
            final List<CompletableFuture<Long>> all = new ArrayList<>();
            for (final long lsn : lsns)
            {
                all.add(log.commit(lsn));
            }
            for (final CompletableFuture<Long> c : all)
            {
                c.get(30, TimeUnit.SECONDS);
            }
            assertTrue(log.flushes() - flushesBefore <= 2, "20 commits of records already appended took flushes=" +
                (log.flushes() - flushesBefore));
            final List<Thread> workers = new ArrayList<>();
            final List<Throwable> errors = new ArrayList<>();
            final long before = log.flushes();
            for (int t = 0; t < threads; t++)
            {
                final int id = t;
                final Thread w = new Thread(() ->
                {
                    try
                    {
                        for (int i = 0; i < perThread; i++)
                        {
                            final byte[] bytes = LogFileTest.record(id, i, 1 + (i * 37 + id) % 700);
                            final long lsn = log.append(ByteBuffer.wrap(bytes));
                            written.put(lsn, bytes);
                            log.commit(lsn).get(30, TimeUnit.SECONDS);
                        }
                    }
                    catch (final Throwable e)
                    {
                        synchronized (errors)
                        {
                            errors.add(e);
                        }
                    }
                }, "dsync-committer-" + t);
                workers.add(w);
                w.start();
            }
            for (final Thread w : workers)
            {
                w.join(TimeUnit.SECONDS.toMillis(100));
                assertFalse(w.isAlive(), "committer stuck");
            }
            assertTrue(errors.isEmpty(), "errors=" + errors);
            flushes = log.flushes() - before;
            assertTrue(flushes <= threads * perThread, "flushes=" + flushes);
            assertEquals(0, log.ring().stats().syncsIssued(), "syncs issued");
        }
        System.out.println("LogDsyncTest engine=" + engine + " group commit: commits=" + threads * perThread +
            " flushes=" + flushes);
        try (LogFile log = LogFile.open(dir, config(engine)))
        {
            LogFileTest.assertReadsBack(log, written, 0);
        }
    }
}
