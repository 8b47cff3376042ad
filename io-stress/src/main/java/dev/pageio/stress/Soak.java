package dev.pageio.stress;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.IoStatus;
import dev.pageio.core.RingConfig;
import dev.pageio.core.RingStats;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/**
 * The soak (issue 17, item 3): for each engine, producers (16 by default) on one ring with a tiny queue depth
 * (back-pressure all the time), each owning one O_DIRECT file: writes of a page+generation pattern, reads
 * verified against the last generation written, barriers, cancels racing completion, closes and reopens of its
 * file (which re-verify every page), and, between rounds, a close of the whole ring and a reopen that verifies every
 * page of every file. Every completion arrives through a callback whose token must be the operation in flight:
 * a second call, or a call for another token, is a duplicate; an operation not completed within 30 s is lost.
 * Descriptors (/proc/self/fd), threads and RSS are sampled after the first round and at the end.
 *
 * <pre>java -cp io-stress/target/jcstress.jar dev.pageio.stress.Soak --seconds 20 --engines io_uring,aio,threads --dir DIR</pre>
 * ({@code io-stress/soak.sh} builds the jar and passes these.) Prints one line per engine; exits 1 when any count
 * that must be 0 is not.
 */
public final class Soak
{
    private static final int PAGE = 4096;
    private static final int PAGES = 16;
    private static final long LOST_AFTER_NS = TimeUnit.SECONDS.toNanos(30);

    private final String engine;
    private final Path dir;
    private final int producers;
    private final int queueDepth;
    /** Every operation completed (16 producers add to it: a LongAdder, not one contended word). */
    private final LongAdder ops = new LongAdder();
    /** Of the soak's rings (not the verifying ones): the barrier syncs, the waits for a free slot, the requests. */
    private long syncsIssued;
    private long queueFullWaits;
    private long submitted;
    private final AtomicLong lost = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cancels = new AtomicLong();
    private final AtomicLong canceled = new AtomicLong();
    private final AtomicLong barriers = new AtomicLong();
    private final AtomicLong reopens = new AtomicLong();
    private final AtomicLong ringCloses = new AtomicLong();
    private volatile String firstProblem;
    private volatile boolean stop;

    private Soak(final String engine, final Path dir, final int producers, final int queueDepth)
    {
        this.engine = engine;
        this.dir = dir;
        this.producers = producers;
        this.queueDepth = queueDepth;
    }

    public static void main(final String[] args) throws Exception
    {
        long seconds = 20;
        long opsTarget = 0;
        String engines = "io_uring,aio,threads";
        Path dir = Path.of("/tmp", "pageio-soak-" + ProcessHandle.current().pid());
        int producers = 16;
        int queueDepth = 8;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--seconds": seconds = Long.parseLong(args[++i]); break;
                case "--minutes": seconds = 60 * Long.parseLong(args[++i]); break;
                case "--ops": opsTarget = Long.parseLong(args[++i]); break;
                case "--engines": engines = args[++i]; break;
                case "--dir": dir = Path.of(args[++i]); break;
                case "--producers": producers = Integer.parseInt(args[++i]); break;
                case "--queue-depth": queueDepth = Integer.parseInt(args[++i]); break;
                default: throw new IllegalArgumentException("unknown option: " + args[i] +
                    " (--seconds N | --minutes N | --ops N, --engines a,b, --dir D, --producers N, --queue-depth N)");
            }
        }
        boolean clean = true;
        for (final String e : engines.split(","))
        {
            final Soak soak = new Soak(e, dir.resolve(e), producers, queueDepth);
            clean &= soak.run(TimeUnit.SECONDS.toNanos(seconds), opsTarget);
        }
        System.exit(clean ? 0 : 1);
    }

    private boolean run(final long durationNs, final long opsTarget) throws Exception
    {
        Files.createDirectories(dir);
        final long start = System.nanoTime();
        final long roundNs = Math.min(TimeUnit.SECONDS.toNanos(5), Math.max(durationNs / 4, TimeUnit.SECONDS.toNanos(1)));
        final Producer[] ps = new Producer[producers];
        for (int i = 0; i < producers; i++)
        {
            ps[i] = new Producer(i);
        }
        long[] baseline = null;
        long warmOps = 0;
        long warmNs = 0;
        int round = 0;
        while (!stop)
        {
            final IoRing ring = IoRing.open(RingConfig.builder().engine(engine).queueDepth(queueDepth)
                .name("soak-" + engine + "-" + round).build());
            final List<Thread> threads = new ArrayList<>();
            final long roundEnd = System.nanoTime() + roundNs;
            for (final Producer p : ps)
            {
                p.open(ring);
                final Thread t = new Thread(() -> p.run(roundEnd), "soak-" + engine + "-" + p.id);
                threads.add(t);
                t.start();
            }
            for (final Thread t : threads)
            {
                t.join();
            }
            ring.close();
            ringCloses.incrementAndGet();
            final RingStats stats = ring.stats();
            syncsIssued += stats.syncsIssued();
            queueFullWaits += stats.queueFullWaits();
            submitted += stats.submitted();
            for (final Producer p : ps)
            {
                p.file = null;
            }
            // After a ring close every file was closed with a barrier: every page must hold its last write.
            final IoRing check = IoRing.open(RingConfig.builder().engine(engine).queueDepth(queueDepth).name("soak-verify").build());
            for (final Producer p : ps)
            {
                p.open(check);
                p.verifyAll("after ring close, round=" + round);
                p.file.close();
                p.file = null;
            }
            check.close();
            if (round == 0)
            {
                baseline = sample();
                // the first round carries the JIT's warm-up (C2 busy for seconds): the steady rate is taken after it
                warmOps = ops.sum();
                warmNs = System.nanoTime();
            }
            round++;
            stop = System.nanoTime() - start >= durationNs && (opsTarget == 0 || ops.sum() >= opsTarget) ||
                opsTarget > 0 && ops.sum() >= opsTarget;
        }
        final long[] end = sample();
        final long endNs = System.nanoTime();
        final double secs = (endNs - start) / 1e9;
        final double steady = round > 1 ? (ops.sum() - warmOps) / ((endNs - warmNs) / 1e9) : ops.sum() / secs;
        // failed: a write, read or barrier that failed, or a producer that threw: none is injected here, so any is a fault
        final boolean clean = lost.get() == 0 && duplicated.get() == 0 && corrupt.get() == 0 && failed.get() == 0 &&
            end[0] - baseline[0] <= 2 && end[1] - baseline[1] <= 2;
        // syncs: the barrier syncs the soak's rings issued (real fsync/fdatasync calls); queueFullWaits/submitted: the
        // share of submissions that found no free slot and waited (the back-pressure the soak is to keep constant)
        System.out.printf("soak engine=%s dir=%s (%s) ops=%d in %.1f s (%.0f/s; %.0f/s after the first round) lost=%d duplicated=%d corrupt=%d " +
                "failed=%d barriers=%d syncs=%d queueFullWaits=%d of %d submitted (%.0f %%) cancels=%d canceled=%d " +
                "fileReopens=%d ringCloses=%d growth: fds=%d threads=%d rssKb=%d (%d -> %d) %s%s%n",
            engine, dir, Files.getFileStore(dir).type(), ops.sum(), secs, ops.sum() / secs, steady, lost.get(), duplicated.get(),
            corrupt.get(), failed.get(), barriers.get(), syncsIssued, queueFullWaits, submitted,
            submitted == 0 ? 0.0 : 100.0 * queueFullWaits / submitted, cancels.get(), canceled.get(), reopens.get(),
            ringCloses.get(), end[0] - baseline[0], end[1] - baseline[1], end[2] - baseline[2], baseline[2], end[2],
            clean ? "CLEAN" : "PROBLEMS", firstProblem != null ? " first=" + firstProblem : "");
        for (final Producer p : ps)
        {
            Files.deleteIfExists(p.path);
        }
        return clean;
    }

    /** @return {open descriptors, live threads, RSS in kB}. */
    private static long[] sample() throws IOException
    {
        long rss = 0;
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("VmRSS:"))
            {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        long fds;
        try (var s = Files.list(Path.of("/proc/self/fd")))
        {
            fds = s.count();
        }
        return new long[] {fds, ManagementFactory.getThreadMXBean().getThreadCount(), rss};
    }

    private void problem(final AtomicLong counter, final String what)
    {
        counter.incrementAndGet();
        if (firstProblem == null)
        {
            firstProblem = engine + ": " + what;
        }
    }

    /** One producer: its own file, one operation at a time, every completion checked against its token. */
    private final class Producer implements IoHandler<Producer>
    {
        final int id;
        final Path path;
        final long[] generation = new long[PAGES];
        final SplittableRandom random;
        final ByteBuffer writeBuffer = aligned();
        final ByteBuffer readBuffer = aligned();
        /** The control block of the canceled reads, reused (done before the next is described). */
        final IoRequest cancelRequest = new IoRequest();
        IoFile file;
        volatile Thread waiter;
        volatile long expectedToken;
        volatile long doneToken;
        volatile long result;
        volatile IoFailure failure;
        long nextToken;

        Producer(final int id)
        {
            this.id = id;
            this.path = dir.resolve("soak-" + id);
            this.random = new SplittableRandom(id * 7919L + engine.hashCode());
            try
            {
                Files.deleteIfExists(path);
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }

        void open(final IoRing ring) throws IOException
        {
            file = ring.adopt(FdFileAccess.open(path, EnumSet.of(READ, WRITE, CREATE), Arch.O_DIRECT));
        }

        void run(final long roundEnd)
        {
            try
            {
                while (System.nanoTime() < roundEnd)
                {
                    final int op = random.nextInt(100);
                    final int page = random.nextInt(PAGES);
                    if (op < 40)
                    {
                        write(page);
                    }
                    else if (op < 80)
                    {
                        read(page, "read");
                    }
                    else if (op < 90)
                    {
                        barrier();
                    }
                    else if (op < 99)
                    {
                        cancel(page);
                    }
                    else
                    {
                        file.close();
                        file = file.ring().adopt(FdFileAccess.open(path, EnumSet.of(READ, WRITE, CREATE), Arch.O_DIRECT));
                        reopens.incrementAndGet();
                        verifyAll("after file reopen");
                    }
                }
            }
            catch (final Exception e)
            {
                problem(failed, "producer=" + id + " threw " + e);
            }
        }

        void write(final int page)
        {
            final long gen = generation[page] + 1;
            fill(writeBuffer, page, gen);
            final long token = begin();
            file.write((long)page * PAGE, writeBuffer.clear(), this, this, token);
            if (await(token) && failure == null && result == PAGE)
            {
                generation[page] = gen;
            }
            else if (failure != null || result != PAGE)
            {
                problem(failed, "write failed: page=" + page + " result=" + result + " failure=" + failure);
            }
        }

        void read(final int page, final String when)
        {
            final long token = begin();
            file.read((long)page * PAGE, readBuffer.clear(), this, this, token);
            if (await(token))
            {
                if (failure != null)
                {
                    problem(failed, "read failed: " + failure);
                    return;
                }
                final long expected = generation[page];
                if (expected == 0 ? result != 0 && !zero(readBuffer) : result != PAGE || !matches(readBuffer, page, expected))
                {
                    problem(corrupt, when + ": producer=" + id + " page=" + page + " expected gen=" + expected +
                        " found word0=" + Long.toHexString(readBuffer.getLong(0)) + " result=" + result);
                }
            }
        }

        void barrier()
        {
            final long token = begin();
            file.barrier(BarrierMode.AUTO, this, this, token);
            if (await(token))
            {
                barriers.incrementAndGet();
                if (failure != null)
                {
                    problem(failed, "barrier failed: " + failure);
                }
            }
        }

        void cancel(final int page)
        {
            final IoRequest r = cancelRequest.read(file, (long)page * PAGE, readBuffer.clear()).submit();
            r.cancel();
            cancels.incrementAndGet();
            final boolean finished;
            try
            {
                finished = r.await(30, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt(); // the soak is stopping: the read is not counted either way
                return;
            }
            if (!finished)
            {
                problem(lost, "canceled read never finished: producer=" + id);
                return;
            }
            ops.increment();
            if (r.status() == IoStatus.CANCELED)
            {
                canceled.incrementAndGet();
            }
            else if (r.status() == IoStatus.COMPLETED && generation[page] > 0 && !matches(readBuffer, page, generation[page]))
            {
                problem(corrupt, "read raced by a cancel: producer=" + id + " page=" + page);
            }
        }

        void verifyAll(final String when)
        {
            for (int page = 0; page < PAGES; page++)
            {
                read(page, when);
            }
        }

        private long begin()
        {
            final long token = ++nextToken;
            // the thread that waits: the producer's own, or the main thread verifying after a ring close (a stale
            // waiter left the main thread to its 1 ms park on every verifying read)
            waiter = Thread.currentThread();
            failure = null;
            result = 0;
            expectedToken = token;
            return token;
        }

        private boolean await(final long token)
        {
            final long deadline = System.nanoTime() + LOST_AFTER_NS;
            while (doneToken != token)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    problem(lost, "producer=" + id + " token=" + token + " not completed in 30 s");
                    return false;
                }
                LockSupport.parkNanos(this, 1_000_000L);
            }
            ops.increment();
            return true;
        }

        @Override
        public void completed(final long r, final Producer p, final long token)
        {
            arrive(token, r, null);
        }

        @Override
        public void failed(final IoFailure f, final Producer p, final long token)
        {
            arrive(token, -1, f);
        }

        private void arrive(final long token, final long r, final IoFailure f)
        {
            if (token != expectedToken || doneToken == token)
            {
                problem(duplicated, "producer=" + id + " completion token=" + token + " expected=" + expectedToken +
                    " done=" + doneToken);
                return;
            }
            result = r;
            failure = f;
            doneToken = token;
            LockSupport.unpark(waiter);
        }
    }

    private static ByteBuffer aligned()
    {
        return ByteBuffer.allocateDirect(2 * PAGE).alignedSlice(PAGE).limit(PAGE).slice();
    }

    private static void fill(final ByteBuffer b, final int page, final long gen)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            b.putLong(i, word(page, gen, i));
        }
    }

    private static boolean matches(final ByteBuffer b, final int page, final long gen)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            if (b.getLong(i) != word(page, gen, i))
            {
                return false;
            }
        }
        return true;
    }

    private static boolean zero(final ByteBuffer b)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            if (b.getLong(i) != 0)
            {
                return false;
            }
        }
        return true;
    }

    private static long word(final int page, final long gen, final int offset)
    {
        return (long)page << 48 ^ gen << 16 ^ offset;
    }
}
