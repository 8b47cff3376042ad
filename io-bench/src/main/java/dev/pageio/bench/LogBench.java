package dev.pageio.bench;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;
import dev.pageio.direct.LogConfig;
import dev.pageio.direct.LogFile;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * {@code pageio-bench --log}: commits per second and commit latency of a write-ahead log, side by side in one run:
 * <ul>
 *   <li>{@code pageio}: {@link LogFile}: append, then commit(lsn), which completes once the record is durable (group
 *   commit by LSN: one write and one barrier through the ring serve every committer whose record is in it);
 *   {@code pageio-dsync} ({@code --log-sync dsync}): the same with segment files opened O_DIRECT|O_DSYNC, one
 *   write per flush and no sync (its "syncs" are those writes: each is one device flush);</li>
 *   <li>{@code force}: a {@link FileChannel} opened for append; each committer writes its record and calls
 *   {@code force(false)} (the usual Java WAL);</li>
 *   <li>{@code group}: the same channel with a hand-written group commit: committers write and wait; one forcer
 *   thread calls {@code force(false)} for everything written so far.</li>
 * </ul>
 * For each record size and committer count (closed loop: each committer appends one record, waits until it is
 * durable, and again): commits/s, latency p50/p99 from append to durable (HdrHistogram), commits per sync, and for
 * pageio the bytes written per byte appended (frame headers, alignment and rewritten tail blocks included), and
 * each implementation's commits/s as a multiple of {@code force}'s. The directory must be on the filesystem to
 * measure (ext4 on a disk, not tmpfs); it is emptied before each run.
 *
 * <p>Threads: the main thread runs the cells one after the other; each committer is its own thread; pageio's
 * commits complete on the log ring's agent thread, which unparks the committer.
 */
final class LogBench
{
    private static final long HISTOGRAM_MAX_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long COMMIT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private LogBench()
    {
    }

    /** One measured cell: an implementation at one record size and committer count. */
    static final class Cell
    {
        String impl;
        int size;
        int committers;
        long commits;
        double seconds;
        long syncs;
        long bytesAppended;
        long bytesWritten = -1;
        /** The log ring's system calls in the interval (submits, waits, wakeups; RingStats), -1 for the channel. */
        long systemCalls = -1;
        final Histogram latencyNs = new Histogram(HISTOGRAM_MAX_NS, 3);

        double commitsPerSecond()
        {
            return seconds > 0 ? commits / seconds : 0;
        }

        double commitsPerSync()
        {
            return syncs == 0 ? 0.0 : (double)commits / syncs;
        }

        String systemCallsPerCommit()
        {
            return systemCalls < 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double)systemCalls /
                Math.max(1, commits));
        }

        String writtenPerAppended()
        {
            return bytesWritten < 0 ? "-" : String.format(Locale.ROOT, "%.2f", (double)bytesWritten /
                Math.max(1, bytesAppended));
        }
    }

    /**
     * Runs every cell of the command line and prints the table.
     *
     * @param options the parsed command line ({@code --log}).
     * @param out     the table.
     * @param err     progress (one line per cell) and notes.
     * @return the exit status: 0, or 1 when a run failed.
     */
    static int run(final BenchOptions options, final PrintStream out, final PrintStream err) throws Exception
    {
        final Path dir = options.logDir.toAbsolutePath();
        final String fsType = Files.getFileStore(existingParent(dir)).type();
        err.println("pageio-bench --log: dir=" + dir + " filesystem=" + fsType + " runtime=" +
            options.runtimeNs / 1e9 + "s warmup=" + options.warmupNs / 1e9 + "s engine=" + options.engine +
            " zeroFillSegments=" + !options.noZeroFill + " logSync=" + options.logSyncModes);
        if ("tmpfs".equals(fsType))
        {
            err.println("pageio-bench --log: note: tmpfs has no device: force() and fdatasync cost nothing there; " +
                "use --log-dir on the disk to measure");
        }
        final List<String> pageioEngines = "all".equals(options.engine) ? List.of("uring", "aio", "threads") :
            List.of(options.engine);
        final List<Cell> cells = new ArrayList<>();
        int status = 0;
        for (final int size : options.recordSizes.values)
        {
            for (final int n : options.committers.values)
            {
                for (final String impl : options.logImpls.values)
                {
                    final List<String> variants = new ArrayList<>();
                    for (final String mode : impl.equals("pageio") ? options.logSyncModes.values : List.of(""))
                    {
                        for (final String engine : impl.equals("pageio") ? pageioEngines : List.of(""))
                        {
                            variants.add(mode + "/" + engine);
                        }
                    }
                    for (final String variant : variants)
                    {
                        final String mode = variant.substring(0, variant.indexOf('/'));
                        final String engine = variant.substring(variant.indexOf('/') + 1);
                        final Cell c = new Cell();
                        c.impl = !impl.equals("pageio") ? impl : (mode.equals("dsync") ? "pageio-dsync" : "pageio") +
                            (pageioEngines.size() > 1 ? "(" + engine + ")" : "");
                        c.size = size;
                        c.committers = n;
                        clean(dir);
                        try
                        {
                            switch (impl)
                            {
                                case "pageio":
                                    pageio(c, dir, options, engine, mode.equals("dsync") ?
                                        LogConfig.SyncMode.DSYNC : LogConfig.SyncMode.BARRIER);
                                    break;
                                case "force":
                                    channel(c, dir, options, false);
                                    break;
                                default:
                                    channel(c, dir, options, true);
                                    break;
                            }
                        }
                        catch (final IOException | RuntimeException e)
                        {
                            err.println("pageio-bench --log: " + c.impl + " size=" + size + " committers=" + n +
                                " could not run: " + e);
                            status = 1;
                            continue;
                        }
                        cells.add(c);
                        err.println(line(c));
                    }
                }
            }
        }
        clean(dir);
        Files.deleteIfExists(dir);
        out.print(table(cells));
        return status;
    }

    private static Path existingParent(final Path dir)
    {
        Path p = dir;
        while (p != null && !Files.exists(p))
        {
            p = p.getParent();
        }
        return p;
    }

    private static void clean(final Path dir) throws IOException
    {
        if (Files.exists(dir))
        {
            try (Stream<Path> walk = Files.walk(dir))
            {
                for (final Path p : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator)
                {
                    if (!p.equals(dir))
                    {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir);
    }

    /** One commit: append (or write) the record and wait until it is durable. */
    private interface Body
    {
        void commitOne(ByteBuffer record) throws Exception;
    }

    /**
     * Counters read at the start and the end of the measured interval: {syncs, bytes written or -1, the ring's
     * system calls or -1}.
     */
    private interface Counters
    {
        long[] read();
    }

    /** Runs the cell's committers in a closed loop: warmup, then the measured interval. */
    private static void drive(final Cell c, final BenchOptions options, final Body body, final Counters counters)
        throws Exception
    {
        final int n = c.committers;
        final CyclicBarrier start = new CyclicBarrier(n + 1);
        final AtomicInteger phase = new AtomicInteger(); // 0 warmup, 1 measuring, 2 stop
        final List<Thread> threads = new ArrayList<>();
        final Histogram[] histograms = new Histogram[n];
        final long[] counts = new long[n];
        final AtomicLong failures = new AtomicLong();
        final Throwable[] firstError = new Throwable[1];
        for (int t = 0; t < n; t++)
        {
            final int id = t;
            histograms[t] = new Histogram(HISTOGRAM_MAX_NS, 3);
            final Thread thread = new Thread(() ->
            {
                final ByteBuffer record = ByteBuffer.allocateDirect(c.size);
                for (int i = 0; i < c.size; i++)
                {
                    record.put(i, (byte)(id + i));
                }
                try
                {
                    start.await();
                    int state;
                    while ((state = phase.get()) < 2)
                    {
                        final long t0 = System.nanoTime();
                        record.clear();
                        body.commitOne(record);
                        if (state == 1)
                        {
                            histograms[id].recordValue(Math.min(System.nanoTime() - t0, HISTOGRAM_MAX_NS));
                            counts[id]++;
                        }
                    }
                }
                catch (final Throwable e)
                {
                    if (failures.getAndIncrement() == 0)
                    {
                        firstError[0] = e;
                    }
                    phase.set(2);
                }
            }, "pageio-bench-committer-" + t);
            threads.add(thread);
            thread.start();
        }
        start.await();
        TimeUnit.NANOSECONDS.sleep(options.warmupNs);
        final long[] first = counters.read();
        phase.compareAndSet(0, 1);
        final long t0 = System.nanoTime();
        TimeUnit.NANOSECONDS.sleep(options.runtimeNs);
        phase.set(2);
        c.seconds = (System.nanoTime() - t0) / 1e9;
        final long[] last = counters.read();
        for (final Thread thread : threads)
        {
            thread.join(TimeUnit.NANOSECONDS.toMillis(COMMIT_TIMEOUT_NS) * 2);
        }
        if (failures.get() > 0)
        {
            throw new IOException("a committer failed: impl=" + c.impl + " failures=" + failures.get(), firstError[0]);
        }
        c.syncs = last[0] - first[0];
        c.bytesWritten = last[1] < 0 ? -1 : last[1] - first[1];
        c.systemCalls = last[2] < 0 ? -1 : last[2] - first[2];
        for (int t = 0; t < n; t++)
        {
            c.latencyNs.add(histograms[t]);
            c.commits += counts[t];
        }
        c.bytesAppended = c.commits * (long)c.size;
    }

    private static void pageio(final Cell c, final Path dir, final BenchOptions options, final String engine,
        final LogConfig.SyncMode syncMode) throws Exception
    {
        final String ringEngine = "uring".equals(engine) ? "io_uring" : engine;
        final LogConfig config = LogConfig.builder()
            .segmentBytes(64L << 20)
            .bufferBytes(8 << 20)
            .zeroFillSegments(!options.noZeroFill)
            .syncMode(syncMode)
            .ringConfig(PageioEngine.agentConfig(options).engine(ringEngine).name("pageio-bench-log")
                .queueDepth(256).build())
            .build();
        try (LogFile log = LogFile.open(dir, config))
        {
            final ThreadLocal<Committer> committers = ThreadLocal.withInitial(Committer::new);
            drive(c, options, record -> committers.get().commit(log, log.append(record)),
                () -> new long[] {log.flushes(), log.bytesWritten(),
                    log.ring().stats().systemCalls()});
        }
    }

    /**
     * One committer thread's wait for its commit, without allocation: the handler form of {@code commit} with
     * this object as the attachment; the agent thread sets the outcome and unparks the committer.
     */
    private static final class Committer
    {
        private final Thread thread = Thread.currentThread();
        private volatile int outcome; // 0 waiting, 1 durable, 2 failed
        private volatile IoFailure failure;

        void commit(final LogFile log, final long lsn) throws IOException
        {
            outcome = 0;
            log.commit(lsn, DONE, this, 0);
            final long deadline = System.nanoTime() + COMMIT_TIMEOUT_NS;
            int spins = 0;
            while (outcome == 0)
            {
                if (spins++ < 100)
                {
                    Thread.onSpinWait();
                    continue;
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    throw new IOException("commit timed out: lsn=" + lsn + " timeoutNs=" + COMMIT_TIMEOUT_NS);
                }
                LockSupport.parkNanos(this, left);
            }
            if (outcome == 2)
            {
                throw failure;
            }
        }

        private static final IoHandler<Committer> DONE = new IoHandler<>()
        {
            @Override
            public void completed(final long result, final Committer committer, final long token)
            {
                committer.outcome = 1;
                LockSupport.unpark(committer.thread);
            }

            @Override
            public void failed(final IoFailure failure, final Committer committer, final long token)
            {
                committer.failure = failure;
                committer.outcome = 2;
                LockSupport.unpark(committer.thread);
            }
        };
    }

    private static void channel(final Cell c, final Path dir, final BenchOptions options, final boolean group)
        throws Exception
    {
        try (FileChannel ch = FileChannel.open(dir.resolve("wal.log"), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.APPEND))
        {
            final AtomicLong syncs = new AtomicLong();
            if (!group)
            {
                drive(c, options, record ->
                {
                    while (record.hasRemaining())
                    {
                        ch.write(record);
                    }
                    ch.force(false);
                    syncs.incrementAndGet();
                }, () -> new long[] {syncs.get(), -1, -1});
                return;
            }
            final GroupCommit gc = new GroupCommit(ch, syncs);
            final Thread forcer = new Thread(gc::forceLoop, "pageio-bench-forcer");
            forcer.start();
            try
            {
                drive(c, options, gc::commit, () -> new long[] {syncs.get(), -1, -1});
            }
            finally
            {
                gc.stop();
                forcer.join(TimeUnit.NANOSECONDS.toMillis(COMMIT_TIMEOUT_NS));
            }
        }
    }

    /**
     * The hand-written group commit a Java WAL author writes: committers append under the monitor and wait; one
     * forcer thread takes the count written so far, calls {@code force(false)} outside the monitor, and wakes
     * every committer it covered.
     */
    static final class GroupCommit
    {
        private final FileChannel ch;
        private final AtomicLong syncs;
        private long written;
        private long durable;
        private boolean stopped;
        private IOException failure;

        GroupCommit(final FileChannel ch, final AtomicLong syncs)
        {
            this.ch = ch;
            this.syncs = syncs;
        }

        void commit(final ByteBuffer record) throws Exception
        {
            synchronized (this)
            {
                while (record.hasRemaining())
                {
                    ch.write(record);
                }
                final long mine = ++written;
                notifyAll();
                final long deadline = System.nanoTime() + COMMIT_TIMEOUT_NS;
                while (durable < mine)
                {
                    if (failure != null)
                    {
                        throw failure;
                    }
                    final long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (leftMs <= 0)
                    {
                        throw new IOException("group commit timed out: record=" + mine);
                    }
                    wait(leftMs);
                }
            }
        }

        void forceLoop()
        {
            while (true)
            {
                final long target;
                synchronized (this)
                {
                    while (written == durable && !stopped)
                    {
                        try
                        {
                            wait(1000);
                        }
                        catch (final InterruptedException e)
                        {
                            return;
                        }
                    }
                    if (stopped && written == durable)
                    {
                        return;
                    }
                    target = written;
                }
                try
                {
                    ch.force(false);
                    syncs.incrementAndGet();
                }
                catch (final IOException e)
                {
                    synchronized (this)
                    {
                        failure = e;
                        notifyAll();
                    }
                    return;
                }
                synchronized (this)
                {
                    durable = target;
                    notifyAll();
                }
            }
        }

        synchronized void stop()
        {
            stopped = true;
            notifyAll();
        }
    }

    /** @return the progress line of one cell. */
    static String line(final Cell c)
    {
        return String.format(Locale.ROOT, "%-16s size=%-7d committers=%-4d commits/s=%-10.0f p50us=%-8.1f " +
            "p99us=%-8.1f commits/sync=%-6.1f written/appended=%s syscalls/commit=%s", c.impl, c.size, c.committers,
            c.commitsPerSecond(), c.latencyNs.getValueAtPercentile(50) / 1e3,
            c.latencyNs.getValueAtPercentile(99) / 1e3, c.commitsPerSync(), c.writtenPerAppended(),
            c.systemCallsPerCommit());
    }

    private static String recordSize(final int bytes)
    {
        return bytes >= 1024 && bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " B";
    }

    /** @return the Markdown table README shows: one row per cell, commits/s also as a multiple of force's. */
    static String table(final List<Cell> cells)
    {
        final StringBuilder b = new StringBuilder();
        b.append("| record | committers | impl | commits/s | x force | p50 µs | p99 µs | commits/sync | " +
            "written/appended |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (final Cell c : cells)
        {
            double force = 0;
            for (final Cell f : cells)
            {
                if (f.impl.equals("force") && f.size == c.size && f.committers == c.committers)
                {
                    force = f.commitsPerSecond();
                }
            }
            b.append(String.format(Locale.ROOT, "| %s | %d | %s | %.0f | %s | %.1f | %.1f | %.1f | %s |%n",
                recordSize(c.size), c.committers, c.impl, c.commitsPerSecond(),
                force > 0 ? String.format(Locale.ROOT, "%.2f", c.commitsPerSecond() / force) : "-",
                c.latencyNs.getValueAtPercentile(50) / 1e3, c.latencyNs.getValueAtPercentile(99) / 1e3,
                c.commitsPerSync(), c.writtenPerAppended()));
        }
        return b.toString();
    }
}
