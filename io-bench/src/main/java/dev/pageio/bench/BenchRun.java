package dev.pageio.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one engine on one workload: start, warm up, measure, stop, drain, report. Prints a progress line each
 * second. Main thread only.
 */
final class BenchRun
{
    private static final long SECOND_NS = 1_000_000_000L;
    private static final long DRAIN_TIMEOUT_NS = 30 * SECOND_NS;

    private BenchRun()
    {
    }

    /**
     * @param engine   the engine (available for these options).
     * @param options  the workload; its file is prepared.
     * @param progress where the progress lines go, or null for none.
     * @return the measurement.
     * @throws IOException when the engine cannot start.
     */
    static BenchResult execute(final BenchEngine engine, final BenchOptions options, final PrintStream progress)
        throws IOException, InterruptedException
    {
        final JobStats[] stats = new JobStats[options.jobs];
        for (int j = 0; j < stats.length; j++)
        {
            stats[j] = new JobStats();
        }
        final Histogram latency = new Histogram(1, JobStats.HIGHEST_NS, 3);
        final int queueDepth = engine instanceof JdkChannelEngine || options.groupCommit || options.onVirtualThreads() ? 1 :
            options.queueDepth;
        final String label = engine.name();

        // before beginNs: with no warmup the measurement runs from beginNs, and a first CpuTime.now() (management
        // beans) can take a loaded machine a second; taken after the start it missed the run's first part
        final CpuTime cpuAtBegin = CpuTime.now();
        final long beginNs = System.nanoTime();
        final long measureStartNs = beginNs + options.warmupNs;
        // from the moment measuring really began: busy jobs may starve this thread past measureStartNs
        long endNs = measureStartNs + options.runtimeNs;
        final EngineRun run = engine.start(options, stats);
        String detail = null;
        try
        {
            detail = run.detail();
            boolean measuring = options.warmupNs == 0;
            long iosAtStart = 0;
            long readsAtStart = 0;
            long syncsAtStart = 0;
            CpuTime cpuAtStart = cpuAtBegin;
            // null: from the rings' opening (no warmup), as the I/O counts
            dev.pageio.core.RingStats[] ringsAtStart = null;
            KernelCounts kernelAtStart = run.kernelCounts();
            long startedNs = beginNs;
            long lastIos = 0;
            long lastTickNs = beginNs;
            long nextTickNs = beginNs + SECOND_NS;
            while (true)
            {
                final long now = System.nanoTime();
                if (!measuring && now >= measureStartNs)
                {
                    kernelAtStart = run.kernelCounts();
                    cpuAtStart = CpuTime.now();
                    ringsAtStart = run.ringStats();
                    startedNs = System.nanoTime();
                    endNs = startedNs + options.runtimeNs;
                    iosAtStart = sum(stats, 0);
                    readsAtStart = sum(stats, 1);
                    syncsAtStart = sum(stats, 2);
                    for (final JobStats s : stats)
                    {
                        s.drainLatencyInto(new Histogram(1, JobStats.HIGHEST_NS, 3));
                    }
                    measuring = true;
                }
                if (now >= endNs || run.idle())
                {
                    break;
                }
                if (now >= nextTickNs)
                {
                    final long ios = sum(stats, 0);
                    if (progress != null)
                    {
                        final double rate = (ios - lastIos) * 1e9 / Math.max(1, now - lastTickNs);
                        progress.printf(Locale.ROOT, "[%s] %s %3ds  iops=%,.0f  MB/s=%.1f  errors=%d%n",
                            label, measuring ? "run   " : "warmup", (now - beginNs + SECOND_NS / 2) / SECOND_NS,
                            rate, rate * options.blockSize / 1e6, sum(stats, 3));
                    }
                    lastIos = ios;
                    lastTickNs = now;
                    nextTickNs += SECOND_NS;
                }
                final long wakeNs = Math.min(nextTickNs, measuring ? endNs : measureStartNs);
                LockSupport.parkNanos(Math.max(1, Math.min(wakeNs - System.nanoTime(), 100_000_000L)));
            }
            final long stoppedNs = System.nanoTime();
            final CpuTime cpu = CpuTime.now().since(cpuAtStart);
            final KernelCounts kernel = run.kernelCounts().since(kernelAtStart);
            final long ios = sum(stats, 0) - iosAtStart;
            // right after the jobs' count: the two are read a few microseconds apart while requests still complete
            final RingTotals ring = RingTotals.between(ringsAtStart, run.ringStats());
            final long reads = sum(stats, 1) - readsAtStart;
            final long syncs = sum(stats, 2) - syncsAtStart;
            for (final JobStats s : stats)
            {
                s.drainLatencyInto(latency);
            }
            run.stop();
            if (!run.awaitIdle(DRAIN_TIMEOUT_NS) && progress != null)
            {
                progress.printf("[%s] requests still outstanding %d s after stop%n", label, DRAIN_TIMEOUT_NS / SECOND_NS);
            }
            String firstError = null;
            for (final JobStats s : stats)
            {
                if (firstError == null)
                {
                    firstError = s.firstError();
                }
            }
            return new BenchResult(label, detail, options, queueDepth, options.jobs, reads, ios - reads, syncs,
                sum(stats, 3), firstError, measuring ? (stoppedNs - startedNs) / 1e9 : 0, latency, cpu, ring, kernel);
        }
        finally
        {
            run.stop();
            run.close();
        }
    }

    private static long sum(final JobStats[] stats, final int what)
    {
        long total = 0;
        for (final JobStats s : stats)
        {
            switch (what)
            {
                case 0:
                    total += s.ios();
                    break;
                case 1:
                    total += s.reads();
                    break;
                case 2:
                    total += s.syncs();
                    break;
                default:
                    total += s.errors();
                    break;
            }
        }
        return total;
    }
}
