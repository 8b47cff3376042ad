package dev.pageio.bench;

import org.HdrHistogram.Histogram;

import java.util.Locale;

/** The measured outcome of one engine run: counts, rates, latency percentiles, CPU per I/O. */
final class BenchResult
{
    final String engine;
    final String engineDetail;
    final BenchOptions options;
    final int queueDepth;
    final int jobs;
    final long ios;
    final long reads;
    final long writes;
    final long syncs;
    final long errors;
    final String firstError;
    final double seconds;
    final double p50Us;
    final double p99Us;
    final double p999Us;
    final double maxUs;
    final double meanUs;
    final CpuTime cpu;
    /** The rings' own counters over the measured interval, or null for an engine without a ring. */
    final RingTotals ring;
    final KernelCounts kernel;

    /**
     * @param engine       the CLI name.
     * @param engineDetail what actually ran (e.g. the pageio engine auto chose), or null.
     * @param queueDepth   outstanding requests per job as run (1 for jdk-channel).
     * @param jobs         jobs as run.
     */
    BenchResult(
        final String engine,
        final String engineDetail,
        final BenchOptions options,
        final int queueDepth,
        final int jobs,
        final long reads,
        final long writes,
        final long syncs,
        final long errors,
        final String firstError,
        final double seconds,
        final Histogram latencyNs,
        final CpuTime cpu)
    {
        this(engine, engineDetail, options, queueDepth, jobs, reads, writes, syncs, errors, firstError, seconds, latencyNs,
            cpu, null, KernelCounts.UNKNOWN);
    }

    /**
     * @param ring   the rings' own counters over the measured window ({@code IoRing.stats()}), or null.
     * @param kernel what the engine asked of the kernel over the measured window.
     */
    BenchResult(
        final String engine,
        final String engineDetail,
        final BenchOptions options,
        final int queueDepth,
        final int jobs,
        final long reads,
        final long writes,
        final long syncs,
        final long errors,
        final String firstError,
        final double seconds,
        final Histogram latencyNs,
        final CpuTime cpu,
        final RingTotals ring,
        final KernelCounts kernel)
    {
        this.engine = engine;
        this.engineDetail = engineDetail;
        this.options = options;
        this.queueDepth = queueDepth;
        this.jobs = jobs;
        this.reads = reads;
        this.writes = writes;
        this.ios = reads + writes;
        this.syncs = syncs;
        this.errors = errors;
        this.firstError = firstError;
        this.seconds = seconds;
        final boolean any = latencyNs.getTotalCount() > 0;
        p50Us = any ? latencyNs.getValueAtPercentile(50) / 1e3 : 0;
        p99Us = any ? latencyNs.getValueAtPercentile(99) / 1e3 : 0;
        p999Us = any ? latencyNs.getValueAtPercentile(99.9) / 1e3 : 0;
        maxUs = any ? latencyNs.getMaxValue() / 1e3 : 0;
        meanUs = any ? latencyNs.getMean() / 1e3 : 0;
        this.cpu = cpu;
        this.ring = ring;
        this.kernel = kernel;
    }

    double iops()
    {
        return seconds > 0 ? ios / seconds : 0;
    }

    /** @return megabytes (10^6 bytes) per second. */
    double mbps()
    {
        return seconds > 0 ? ios * (double)options.blockSize / seconds / 1e6 : 0;
    }

    /** @return microseconds of process CPU time per completed I/O, or -1 when unknown. */
    double cpuUsPerIo()
    {
        return ios > 0 && cpu.totalNs >= 0 ? cpu.totalNs / 1e3 / ios : -1;
    }

    /** @return one JSON object on one line. */
    String toJson()
    {
        final StringBuilder b = new StringBuilder(512);
        b.append('{');
        field(b, "engine", engine).append(',');
        if (engineDetail != null)
        {
            field(b, "engine_detail", engineDetail).append(',');
        }
        field(b, "rw", options.rw.fioName()).append(',');
        if (options.rw == Rw.RANDRW)
        {
            b.append("\"mix\":").append(options.mixReadPercent).append(',');
        }
        b.append("\"bs\":").append(options.blockSize).append(',');
        b.append("\"qd\":").append(queueDepth).append(',');
        b.append("\"jobs\":").append(jobs).append(',');
        if (options.onVirtualThreads())
        {
            b.append("\"virtual_threads\":").append(options.virtualThreads).append(',');
        }
        b.append("\"rings\":").append(options.rings).append(',');
        b.append("\"direct\":").append(options.direct).append(',');
        b.append("\"sqpoll\":").append(options.sqPoll).append(',');
        b.append("\"fixed_buffers\":").append(options.fixedBuffers).append(',');
        b.append("\"fixed_files\":").append(options.fixedFiles).append(',');
        b.append("\"adaptive_spin\":").append(options.adaptiveSpin).append(',');
        field(b, "file", options.file.toString()).append(',');
        b.append("\"size\":").append(options.sizeBytes).append(',');
        b.append("\"runtime_s\":").append(num(seconds)).append(',');
        b.append("\"ios\":").append(ios).append(',');
        b.append("\"reads\":").append(reads).append(',');
        b.append("\"writes\":").append(writes).append(',');
        b.append("\"iops\":").append(num(iops())).append(',');
        b.append("\"mbps\":").append(num(mbps())).append(',');
        b.append("\"lat_us\":{\"p50\":").append(num(p50Us))
            .append(",\"p99\":").append(num(p99Us))
            .append(",\"p999\":").append(num(p999Us))
            .append(",\"max\":").append(num(maxUs))
            .append(",\"mean\":").append(num(meanUs)).append("},");
        b.append("\"cpu_us_per_io\":").append(num(cpuUsPerIo())).append(',');
        b.append("\"cpu_user_s\":").append(num(cpu.userNs / 1e9)).append(',');
        b.append("\"cpu_sys_s\":").append(num(cpu.systemNs / 1e9)).append(',');
        if (kernel.systemCalls() >= 0)
        {
            b.append("\"syscalls\":").append(kernel.systemCalls()).append(',');
            b.append("\"syscalls_per_io\":").append(num(kernel.systemCallsPerIo(ios))).append(',');
            b.append("\"submit_calls\":").append(kernel.submitCalls()).append(',');
            b.append("\"submit_batch_mean\":").append(kernel.meanBatch() >= 0 ? num(kernel.meanBatch()) : "null")
                .append(',');
        }
        if (kernel.fixedBufferOps() >= 0)
        {
            b.append("\"fixed_buffer_ops\":").append(kernel.fixedBufferOps()).append(',');
            b.append("\"fixed_file_ops\":").append(kernel.fixedFileOps()).append(',');
        }
        if (options.barrierEvery > 0 || options.groupCommit)
        {
            b.append("\"barrier_every\":").append(options.groupCommit ? 1 : options.barrierEvery).append(',');
            b.append("\"group_commit\":").append(options.groupCommit).append(',');
            b.append("\"syncs\":").append(syncs).append(',');
            b.append("\"barrier_syncs_in_flight_max\":").append(options.barrierSyncs).append(',');
        }
        if (ring != null)
        {
            // from IoRing.stats() (issue 15): the rings' own counts, not an estimate
            b.append("\"ring\":{").append(ring.toJson()).append("},");
        }
        if (firstError != null)
        {
            field(b, "first_error", firstError).append(',');
        }
        b.append("\"errors\":").append(errors);
        return b.append('}').toString();
    }

    /** @return the human report, several lines. */
    String toText()
    {
        final StringBuilder b = new StringBuilder(512);
        b.append(engine);
        if (engineDetail != null)
        {
            b.append(" (").append(engineDetail).append(')');
        }
        b.append(": ").append(options.rw.fioName());
        if (options.rw == Rw.RANDRW)
        {
            b.append(" mix=").append(options.mixReadPercent).append("% reads");
        }
        b.append(" bs=").append(ByteSizeConverter.format(options.blockSize)).append(" qd=").append(queueDepth)
            .append(" jobs=").append(jobs);
        if (options.onVirtualThreads())
        {
            b.append(" virtual-threads=").append(options.virtualThreads);
        }
        if (options.rings > 1)
        {
            b.append(" rings=").append(options.rings);
        }
        b.append(options.sqPoll ? " sqpoll" : "").append(options.fixedBuffers ? " fixed-buffers" : "")
            .append(options.fixedFiles ? " fixed-files" : "").append(options.adaptiveSpin ? "" : " no-adaptive-spin");
        b.append(options.direct ? " direct" : " buffered").append(" file=").append(options.file)
            .append(" size=").append(ByteSizeConverter.format(options.sizeBytes)).append('\n');
        b.append(String.format(Locale.ROOT, "  iops=%,.0f  MB/s=%.1f  ios=%,d in %.2f s%n", iops(), mbps(), ios, seconds));
        b.append(String.format(Locale.ROOT, "  lat (us): p50=%.1f p99=%.1f p99.9=%.1f max=%.1f mean=%.1f%n",
            p50Us, p99Us, p999Us, maxUs, meanUs));
        b.append(String.format(Locale.ROOT, "  cpu: %.2f us/io (process user %.2f s, sys %.2f s)%n",
            cpuUsPerIo(), cpu.userNs / 1e9, cpu.systemNs / 1e9));
        if (kernel.systemCalls() >= 0)
        {
            b.append(String.format(Locale.ROOT, "  kernel: %.3f system calls per I/O (%,d), mean batch %s requests per submit call%n",
                kernel.systemCallsPerIo(ios), kernel.systemCalls(),
                kernel.meanBatch() >= 0 ? String.format(Locale.ROOT, "%.2f", kernel.meanBatch()) : "n/a (none: SQPOLL)"));
        }
        if (options.barrierEvery > 0 || options.groupCommit)
        {
            b.append(String.format(Locale.ROOT, "  syncs=%,d  (%.1f/s, %.2f writes per sync, up to %d in flight per file)%n",
                syncs, seconds > 0 ? syncs / seconds : 0, syncs > 0 ? (double)writes / syncs : 0, options.barrierSyncs));
        }
        if (ring != null)
        {
            b.append(ring.toText());
        }
        b.append("  errors=").append(errors);
        if (firstError != null)
        {
            b.append("  first: ").append(firstError);
        }
        return b.append('\n').toString();
    }

    private static StringBuilder field(final StringBuilder b, final String name, final String value)
    {
        b.append('"').append(name).append("\":\"");
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\')
            {
                b.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
            }
            else
            {
                b.append(c);
            }
        }
        return b.append('"');
    }

    private static String num(final double v)
    {
        if (Double.isNaN(v) || Double.isInfinite(v))
        {
            return "null";
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
