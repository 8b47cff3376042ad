package dev.pageio.bench;

import dev.pageio.bench.jmh.Jmh;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code pageio-bench}: fio-style benchmark of the pageio engines beside the JDK's own file channels, and, with
 * {@code --log}, of the write-ahead log ({@link LogBench}). See {@code --help}.
 * Exit status: 0 done, 1 an engine could not run or I/O errors occurred,
 * 2 a bad command line.
 */
public final class Main
{
    private Main()
    {
    }

    /** @param args see {@code --help}. */
    public static void main(final String[] args) throws Exception
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * @param args the command line.
     * @param out  reports (and JSON).
     * @param err  progress, notes and errors.
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream out, final PrintStream err) throws Exception
    {
        final BenchOptions options;
        try
        {
            options = BenchOptions.parse(args);
        }
        catch (final ParameterException e)
        {
            err.println("pageio-bench: " + e.getMessage());
            err.println(BenchOptions.usage());
            return 2;
        }
        if (options.help)
        {
            out.println(BenchOptions.usage());
            return 0;
        }
        if (options.jmhArgs != null)
        {
            Jmh.run(options.jmhArgs);
            return 0;
        }
        if (options.log)
        {
            return LogBench.run(options, out, err);
        }

        final boolean comparison = "all".equals(options.engine);
        final List<BenchEngine> engines = comparison ? BenchEngines.all() : List.of(BenchEngines.named(options.engine));
        final PrintStream report = options.json ? err : out;
        try
        {
            TestFile.prepare(options.file, options.sizeBytes, err);
        }
        catch (final IOException | UncheckedIOException e)
        {
            err.println("pageio-bench: cannot prepare the file: " + e);
            return 1;
        }

        final List<BenchResult> results = new ArrayList<>();
        final List<String> skipped = new ArrayList<>();
        int status = 0;
        for (final BenchEngine engine : engines)
        {
            final BenchOptions runOptions = optionsFor(engine, options, comparison);
            final String cause = engine.unavailableCause(runOptions);
            if (cause != null)
            {
                if (!comparison)
                {
                    err.println("pageio-bench: engine unavailable: " + engine.name() + ": " + cause);
                    return 1;
                }
                skipped.add(engine.name() + ": " + cause);
                err.println("pageio-bench: skipping " + engine.name() + ": " + cause);
                continue;
            }
            final BenchResult result;
            try
            {
                result = BenchRun.execute(engine, runOptions, err);
            }
            catch (final IOException | RuntimeException e)
            {
                err.println("pageio-bench: " + engine.name() + " could not run: " + e);
                status = 1;
                continue;
            }
            results.add(result);
            report.print(result.toText());
            if (options.json)
            {
                out.println(result.toJson());
                out.flush();
            }
            if (result.errors > 0)
            {
                status = 1;
            }
        }
        if (comparison)
        {
            report.println();
            report.print(table(results, skipped));
        }
        return status;
    }

    /**
     * In a comparison the synchronous jdk-channel runs {@code jobs * qd} threads, so every engine keeps the
     * same number of requests outstanding.
     */
    static BenchOptions optionsFor(final BenchEngine engine, final BenchOptions options, final boolean comparison)
    {
        final BenchOptions o = options.copy();
        if (comparison && engine instanceof JdkChannelEngine && !options.groupCommit && !options.onVirtualThreads())
        {
            o.jobs = options.jobs * options.queueDepth;
            o.queueDepth = 1;
            o.rings = 1;
        }
        return o;
    }

    /** @return the comparison table, with each engine's IOPS as a multiple of jdk-async's. */
    static String table(final List<BenchResult> results, final List<String> skipped)
    {
        double asyncIops = 0;
        for (final BenchResult r : results)
        {
            if ("jdk-async".equals(r.engine))
            {
                asyncIops = r.iops();
            }
        }
        final StringBuilder b = new StringBuilder();
        if (!results.isEmpty())
        {
            final BenchOptions o = results.get(0).options;
            b.append(String.format(Locale.ROOT, "%s bs=%s %s file=%s, %.0f s each%n", o.rw.fioName(),
                ByteSizeConverter.format(o.blockSize), o.direct ? "direct" : "buffered", o.file, o.runtimeNs / 1e9));
        }
        b.append(String.format(Locale.ROOT, "%-12s %-9s %11s %9s %9s %9s %9s %10s %10s %7s %9s%n",
            "engine", "jobs*qd", "IOPS", "MB/s", "p50 us", "p99 us", "p99.9 us", "max us", "cpu us/io", "errors",
            "x jdk-async"));
        for (final BenchResult r : results)
        {
            b.append(String.format(Locale.ROOT, "%-12s %-9s %,11.0f %9.1f %9.1f %9.1f %9.1f %10.1f %10.2f %7d %9s%n",
                r.engineDetail != null ? r.engine + "(" + r.engineDetail + ")" : r.engine,
                r.options.onVirtualThreads() ? r.options.virtualThreads + " vt" : r.jobs + "*" + r.queueDepth, r.iops(), r.mbps(), r.p50Us, r.p99Us, r.p999Us, r.maxUs, r.cpuUsPerIo(),
                r.errors, asyncIops > 0 ? String.format(Locale.ROOT, "%.2f", r.iops() / asyncIops) : "-"));
        }
        for (final String s : skipped)
        {
            b.append("skipped ").append(s).append('\n');
        }
        return b.toString();
    }
}
