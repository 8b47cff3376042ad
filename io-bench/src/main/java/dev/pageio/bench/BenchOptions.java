package dev.pageio.bench;

import dev.pageio.bench.BenchConverters.BlockSize;
import dev.pageio.bench.BenchConverters.EngineName;
import dev.pageio.bench.BenchConverters.IntList;
import dev.pageio.bench.BenchConverters.LogImplList;
import dev.pageio.bench.BenchConverters.LogSyncList;
import dev.pageio.bench.BenchConverters.NameList;
import dev.pageio.bench.BenchConverters.NonEmptyPath;
import dev.pageio.bench.BenchConverters.PollMode;
import dev.pageio.bench.BenchConverters.Rest;
import dev.pageio.bench.BenchConverters.RuntimeNs;
import dev.pageio.bench.BenchConverters.SizeList;
import dev.pageio.bench.BenchConverters.SubmitBatch;
import dev.pageio.bench.BenchConverters.Whole;
import dev.pageio.bench.BenchConverters.WholeList;
import dev.pageio.core.RingConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.nio.file.Path;
import java.util.List;

/**
 * The command line, declared for picocli and validated once by {@link #parse}. Flags take their value as
 * {@code --bs 4k} or {@code --bs=4k}; a flag given twice keeps its last value; everything after {@code --jmh} goes
 * to JMH. A bad command line is a {@link ParameterException} whose message is one line naming the flag, the value
 * and the rule ({@code out of range: --qd=0 range=1..4096}). Mutable only through {@link #copy()}, for the runs of
 * a comparison.
 */
@Command(name = "pageio-bench", sortOptions = false, usageHelpWidth = 120, synopsisHeading = "usage: ",
    customSynopsis = "pageio-bench [options]            (no options: 10 s of 4k randread at QD32 on every engine, one table)",
    separator = "=")
public final class BenchOptions implements Cloneable
{
    /** Engine names accepted by {@code --engine}. */
    static final List<String> ENGINES = List.of("uring", "aio", "threads", "jdk-async", "jdk-channel", "auto", "all",
        "pageio-afc", "pageio-afc-heap", "jdk-async-heap");

    /** Idle modes accepted by {@code --poll}. */
    static final List<String> POLL_MODES = List.of("backoff", "spin", "sleep");

    static final String DEFAULT_FILE = "pageio-bench.dat";

    static final String DEFAULT_LOG_DIR = "pageio-log-bench";

    /** The implementations {@code --log} compares ({@code --log-impl}). */
    static final List<String> LOG_IMPLS = List.of("pageio", "force", "group");

    /** LogFile's sync modes {@code --log} can run ({@code --log-sync}): LogConfig.SyncMode, lower case. */
    static final List<String> LOG_SYNC_MODES = List.of("barrier", "dsync");

    /** The {@code --engine} values that make sense with {@code --log} (the log runs on a pageio ring). */
    static final List<String> LOG_ENGINES = List.of("uring", "aio", "threads", "auto", "all");

    /** The page-I/O flags that do not apply to {@code --log}. */
    private static final List<String> PAGE_FLAGS = List.of("--rw", "--mix", "--bs", "--qd", "--jobs", "--rings",
        "--file", "--size", "--direct", "--buffered", "--barrier-every", "--group-commit", "--json");

    /** The flags that apply to {@code --log} only. */
    private static final List<String> LOG_FLAGS = List.of("--committers", "--record-sizes", "--log-impl", "--log-dir",
        "--no-zero-fill", "--log-sync");

    static final long MAX_BLOCK_SIZE = 64L << 20;
    static final long MIN_RUNTIME_NS = 100_000_000L;
    private static final int MAX_OUTSTANDING = 65536;

    @Option(names = "--engine", order = 1, paramLabel = "E", converter = EngineName.class,
        description = "uring|aio|threads|jdk-async|jdk-channel|auto|all   (default all)")
    String engine = "all";

    @Option(names = "--rw", order = 2, paramLabel = "P", converter = Rw.Converter.class,
        description = "randread|randwrite|read|write|randrw   (default randread)")
    Rw rw = Rw.RANDREAD;

    @Option(names = "--mix", order = 3, paramLabel = "N", converter = Whole.class,
        description = "percent reads for --rw randrw   (default 50)")
    int mixReadPercent = 50;

    @Option(names = "--bs", order = 4, paramLabel = "SIZE", converter = BlockSize.class,
        description = "block size: 512, 4k, 16k, 1m...   (default 4k)")
    int blockSize = 4096;

    @Option(names = "--qd", order = 5, paramLabel = "N", converter = Whole.class,
        description = "outstanding requests per job   (default 32)")
    int queueDepth = 32;

    @Option(names = "--jobs", order = 6, paramLabel = "N", converter = Whole.class,
        description = "submitting threads   (default 1)")
    int jobs = 1;

    @Option(names = "--virtual-threads", order = 6, paramLabel = "N", converter = Whole.class,
        description = "N virtual threads (JDK 21+), each making blocking requests one at a time, instead of the jobs' " +
            "threads: jdk-channel and the pageio engines (uring, aio, threads, auto); --jobs only groups their counts")
    int virtualThreads;

    @Option(names = "--rings", order = 7, paramLabel = "N", converter = Whole.class,
        description = "pageio rings; job j uses ring j %% N   (default 1)")
    int rings = 1;

    @Option(names = "--file", order = 8, paramLabel = "PATH", converter = NonEmptyPath.class,
        description = "the file (created and filled on first use)   (default ./" + DEFAULT_FILE + ")")
    Path file = Path.of(DEFAULT_FILE);

    @Option(names = "--size", order = 9, paramLabel = "SIZE", converter = ByteSizeConverter.class,
        description = "bytes of the file used   (default 1g)")
    long sizeBytes = 1L << 30;

    /** O_DIRECT, or through the page cache with {@code --buffered}. */
    boolean direct = true;

    @Option(names = "--runtime", order = 12, paramLabel = "T", converter = RuntimeNs.class,
        description = "measured seconds (10, 10s, 500ms, 2m)   (default 10)")
    long runtimeNs = 10_000_000_000L;

    @Option(names = "--warmup", order = 13, paramLabel = "T", converter = DurationConverter.class,
        description = "seconds run before measuring   (default 1)")
    long warmupNs = 1_000_000_000L;

    @Option(names = "--barrier-every", order = 14, paramLabel = "N", converter = Whole.class,
        description = "a barrier (fdatasync) after every N writes per job")
    int barrierEvery;

    @Option(names = "--group-commit", order = 15, description = "each job writes a page then waits for a barrier, in a loop")
    boolean groupCommit;

    @Option(names = "--barrier-syncs", order = 16, paramLabel = "K", converter = Whole.class,
        description = "pageio: barrier syncs in flight per O_DIRECT file (docs/DURABILITY.md rule 4)   (default "
            + RingConfig.DEFAULT_BARRIER_SYNCS_IN_FLIGHT_MAX + ")")
    int barrierSyncs = RingConfig.DEFAULT_BARRIER_SYNCS_IN_FLIGHT_MAX;

    @Option(names = "--poll", order = 17, paramLabel = "MODE", converter = PollMode.class,
        description = "pageio agent idling: backoff (spin, then sleep in the kernel), spin, sleep (default backoff)")
    String poll = "backoff";

    @Option(names = "--submit-batch", order = 18, paramLabel = "N", converter = SubmitBatch.class,
        description = "pageio agent: most requests per submit system call   (default: RingConfig's)")
    int submitBatch = RingConfig.defaults().submitBatchMax();

    @Option(names = "--sleep-after", order = 19, paramLabel = "T", converter = DurationConverter.class,
        description = "pageio agent: idle time before it blocks in the kernel (e.g. 0, 20us, 1ms)")
    long sleepAfterNs = -1;

    /** io_uring {@code COOP_TASKRUN|TASKRUN_FLAG}: {@code --coop-taskrun} (the default) or {@code --no-coop-taskrun}. */
    boolean coopTaskRun = RingConfig.defaults().coopTaskRun();

    /** io_uring {@code SINGLE_ISSUER|DEFER_TASKRUN} on dedicated rings: {@code --defer-taskrun} (the default) or {@code --no-defer-taskrun}. */
    boolean deferTaskRun = RingConfig.defaults().deferTaskRun();

    @Option(names = "--sqpoll", order = 24, description = "io_uring SQPOLL (a kernel thread polls the submission ring)")
    boolean sqPoll;

    @Option(names = "--fixed-buffers", order = 25,
        description = "io_uring registered buffers: each slot's buffer pinned once (IORING_REGISTER_BUFFERS; fio --fixedbufs)")
    boolean fixedBuffers;

    @Option(names = "--fixed-files", order = 26,
        description = "io_uring registered files: the file by index (IORING_REGISTER_FILES; fio --registerfiles)")
    boolean fixedFiles;

    /** The agent's adaptive spin: {@code --adaptive-spin} (the default) or {@code --no-adaptive-spin}. */
    boolean adaptiveSpin = RingConfig.defaults().adaptiveSpin();

    @Option(names = "--json", order = 29, description = "the final report as JSON on stdout (one object per engine run)")
    boolean json;

    @Option(names = "--jmh", order = 30, paramLabel = "ARGS", arity = "0..*", parameterConsumer = Rest.class,
        description = "run the JMH microbenchmarks (ARGS go to JMH, e.g. -prof gc)")
    List<String> jmh;

    @Option(names = {"-h", "--help"}, order = 37, usageHelp = true, description = "this text")
    boolean help;

    @Option(names = "--log", order = 31, description = "the write-ahead-log benchmark instead: LogFile against " +
        "FileChannel append + force(false) per commit and against the same with a hand-written group commit, " +
        "commits/s and p50/p99 per record size and committer count, one table (uses --engine, --runtime, --warmup " +
        "and the agent flags)")
    boolean log;

    @Option(names = "--committers", order = 32, paramLabel = "LIST", converter = WholeList.class,
        description = "--log: committer threads, one run per value   (default 1,8,32,128)")
    IntList committers = new IntList(1, 8, 32, 128);

    @Option(names = "--record-sizes", order = 33, paramLabel = "LIST", converter = SizeList.class,
        description = "--log: record sizes, one run per value, 1 to 1m   (default 100,4k)")
    IntList recordSizes = new IntList(100, 4096);

    @Option(names = "--log-impl", order = 34, paramLabel = "LIST", converter = LogImplList.class,
        description = "--log: pageio (LogFile), force (force per commit), group (one forcer thread)   " +
            "(default pageio,force,group)")
    NameList logImpls = new NameList(LOG_IMPLS);

    @Option(names = "--log-dir", order = 35, paramLabel = "DIR", converter = NonEmptyPath.class,
        description = "--log: directory of the logs, on the filesystem to measure, emptied before each run   " +
            "(default ./" + DEFAULT_LOG_DIR + ")")
    Path logDir = Path.of(DEFAULT_LOG_DIR);

    @Option(names = "--no-zero-fill", order = 36, description = "--log: LogFile's new segments only fallocated, " +
        "not zero-filled (LogConfig.zeroFillSegments(false))")
    boolean noZeroFill;

    @Option(names = "--log-sync", order = 37, paramLabel = "LIST", converter = LogSyncList.class,
        description = "--log: LogFile's durability, one pageio run per value: barrier (O_DIRECT write, then " +
            "fdatasync through the ring), dsync (O_DIRECT|O_DSYNC write, no sync)   (default barrier)")
    NameList logSyncModes = new NameList(List.of("barrier"));

    /** The arguments after {@code --jmh} (none: an empty array), or null without {@code --jmh}. */
    String[] jmhArgs;

    @Option(names = "--direct", order = 10, description = "O_DIRECT (the default)")
    private void direct(final boolean given)
    {
        direct = true;
    }

    @Option(names = "--buffered", order = 11, description = "through the page cache (the last of --direct and --buffered wins)")
    private void buffered(final boolean given)
    {
        direct = false;
    }

    @Option(names = "--coop-taskrun", order = 20, description = "io_uring COOP_TASKRUN|TASKRUN_FLAG on (the default)")
    private void coopTaskRun(final boolean given)
    {
        coopTaskRun = true;
    }

    @Option(names = "--no-coop-taskrun", order = 21, description = "io_uring COOP_TASKRUN|TASKRUN_FLAG off")
    private void noCoopTaskRun(final boolean given)
    {
        coopTaskRun = false;
    }

    @Option(names = "--defer-taskrun", order = 22, description = "io_uring SINGLE_ISSUER|DEFER_TASKRUN on dedicated rings (the default)")
    private void deferTaskRun(final boolean given)
    {
        deferTaskRun = true;
    }

    @Option(names = "--no-defer-taskrun", order = 23,
        description = "io_uring SINGLE_ISSUER|DEFER_TASKRUN off")
    private void noDeferTaskRun(final boolean given)
    {
        deferTaskRun = false;
    }

    @Option(names = "--adaptive-spin", order = 27,
        description = "pageio agent: spin only while the learned completion wait is under the spin budget (the default)")
    private void adaptiveSpin(final boolean given)
    {
        adaptiveSpin = true;
    }

    @Option(names = "--no-adaptive-spin", order = 28,
        description = "pageio agent: spin the whole budget (--sleep-after) before every sleep, as before issue 16")
    private void noAdaptiveSpin(final boolean given)
    {
        adaptiveSpin = false;
    }

    /**
     * @param args the command line.
     * @return the validated options.
     * @throws ParameterException on the first bad flag, with one line saying why.
     */
    public static BenchOptions parse(final String... args)
    {
        final BenchOptions o = new BenchOptions();
        final CommandLine commandLine = commandLine(o);
        final ParseResult result;
        try
        {
            result = commandLine.parseArgs(args);
        }
        catch (final ParameterException e)
        {
            throw new ParameterException(commandLine, oneLine(e), e);
        }
        if (!result.unmatched().isEmpty())
        {
            // picocli lets unmatched arguments through when -h is given; the command rejects them either way
            throw new ParameterException(commandLine, unmatched(result.unmatched()));
        }
        if (o.jmh != null)
        {
            o.jmhArgs = o.jmh.toArray(new String[0]);
            return o;
        }
        if (o.log)
        {
            o.validateLog(result, commandLine);
            return o;
        }
        o.validate(result, commandLine);
        return o;
    }

    /** @return the usage text {@code --help} prints, which also follows a bad command line. */
    static String usage()
    {
        return commandLine(new BenchOptions()).getUsageMessage().stripTrailing();
    }

    private static CommandLine commandLine(final BenchOptions o)
    {
        return new CommandLine(o)
            .setOverwrittenOptionsAllowed(true)
            .setCaseInsensitiveEnumValuesAllowed(false)
            .setUnmatchedOptionsAllowedAsOptionParameters(true);
    }

    /** @return picocli's parse errors in the command's own words, the flag and value named. */
    private static String oneLine(final ParameterException e)
    {
        if (e.getCause() instanceof BadValue)
        {
            return ((BadValue)e.getCause()).describe(flagOf(e.getArgSpec()), e.getValue());
        }
        if (e instanceof MissingParameterException && !((MissingParameterException)e).getMissing().isEmpty())
        {
            return "missing value: " + flagOf(((MissingParameterException)e).getMissing().get(0));
        }
        if (e instanceof UnmatchedArgumentException)
        {
            return unmatched(((UnmatchedArgumentException)e).getUnmatched());
        }
        if (e.getArgSpec() instanceof OptionSpec && e.getArgSpec().arity().max() == 0 && e.getValue() != null)
        {
            return "flag takes no value: " + flagOf(e.getArgSpec()) + "=" + e.getValue();
        }
        return e.getMessage();
    }

    private static String unmatched(final List<String> unmatched)
    {
        final String arg = unmatched.isEmpty() ? "" : unmatched.get(0);
        if (arg.startsWith("-"))
        {
            final int eq = arg.indexOf('=');
            return "unknown flag: " + (eq > 0 ? arg.substring(0, eq) : arg);
        }
        return "unexpected argument: " + arg;
    }

    private static String flagOf(final ArgSpec spec)
    {
        return spec instanceof OptionSpec ? ((OptionSpec)spec).longestName() : spec.paramLabel();
    }

    /**
     * {@code --log}: the page-I/O flags are refused (each names what to use instead); {@code --engine} defaults to
     * {@code auto} and must name a pageio engine.
     */
    private void validateLog(final ParseResult result, final CommandLine commandLine)
    {
        final Checks checks = new Checks(result, commandLine);
        for (final String flag : PAGE_FLAGS)
        {
            if (result.hasMatchedOption(flag))
            {
                checks.fail(flag + " does not apply to --log" + (flag.equals("--bs") ? " (use --record-sizes)" :
                    flag.equals("--jobs") || flag.equals("--qd") ? " (use --committers)" :
                    flag.equals("--file") ? " (use --log-dir)" : ""));
            }
        }
        if (!result.hasMatchedOption("--engine"))
        {
            engine = "auto";
        }
        else if (!LOG_ENGINES.contains(engine))
        {
            checks.fail("--log runs LogFile on a pageio ring: --engine=" + engine + " (expected one of " +
                String.join(", ", LOG_ENGINES) + ")");
        }
        for (final int n : committers.values)
        {
            if (n < 1 || n > 4096)
            {
                checks.fail("out of range: --committers=" + committers + " range=1..4096 each");
            }
        }
    }

    private void validate(final ParseResult result, final CommandLine commandLine)
    {
        for (final String flag : LOG_FLAGS)
        {
            if (result.hasMatchedOption(flag))
            {
                new Checks(result, commandLine).fail(flag + " applies to --log only");
            }
        }
        if (groupCommit && !result.hasMatchedOption("--rw"))
        {
            rw = Rw.RANDWRITE;
        }
        final Checks checks = new Checks(result, commandLine);
        checks.range("--mix", mixReadPercent, 0, 100);
        checks.range("--qd", queueDepth, 1, 4096);
        checks.range("--jobs", jobs, 1, 1024);
        checks.range("--rings", rings, 1, 256);
        checks.range("--barrier-every", barrierEvery, 1, Integer.MAX_VALUE);
        checks.range("--barrier-syncs", barrierSyncs, 1, RingConfig.BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT);
        if (result.hasMatchedOption("--mix") && rw != Rw.RANDRW)
        {
            checks.fail("--mix applies to --rw randrw only: rw=" + rw.fioName());
        }
        if (direct && blockSize % 512 != 0)
        {
            checks.fail("--direct needs --bs a multiple of 512: bs=" + blockSize + " (or use --buffered)");
        }
        if (sizeBytes < blockSize)
        {
            checks.fail("--size smaller than --bs: size=" + sizeBytes + " bs=" + blockSize);
        }
        if (rings > jobs)
        {
            checks.fail("more rings than jobs: rings=" + rings + " jobs=" + jobs + " (each ring needs a job)");
        }
        if (barrierEvery > 0 && !rw.writes)
        {
            checks.fail("--barrier-every needs writes: rw=" + rw.fioName());
        }
        if (groupCommit && barrierEvery > 0)
        {
            checks.fail("--group-commit and --barrier-every exclude each other (group commit is a barrier after every write)");
        }
        if (groupCommit && rw.reads)
        {
            checks.fail("--group-commit writes only: use --rw randwrite or write (rw=" + rw.fioName() + ")");
        }
        checks.range("--virtual-threads", virtualThreads, 1, MAX_VIRTUAL_THREADS);
        if (virtualThreads > 0 && (groupCommit || barrierEvery > 0))
        {
            checks.fail("--virtual-threads makes reads and writes only: not with --group-commit or --barrier-every");
        }
        if (virtualThreads > 0 && virtualThreads < jobs)
        {
            checks.fail("fewer virtual threads than jobs: virtual-threads=" + virtualThreads + " jobs=" + jobs);
        }
        if (fixedBuffers && !"uring".equals(engine))
        {
            checks.fail("--fixed-buffers needs --engine uring: engine=" + engine);
        }
        if (fixedFiles && !"uring".equals(engine))
        {
            checks.fail("--fixed-files needs --engine uring: engine=" + engine);
        }
        if ((long)queueDepth * jobs > MAX_OUTSTANDING)
        {
            checks.fail("too many outstanding requests: qd=" + queueDepth + " jobs=" + jobs + " max qd*jobs=" + MAX_OUTSTANDING);
        }
    }

    /** The checks that need the value as typed: they run after picocli converted it. */
    private static final class Checks
    {
        private final ParseResult result;
        private final CommandLine commandLine;

        Checks(final ParseResult result, final CommandLine commandLine)
        {
            this.result = result;
            this.commandLine = commandLine;
        }

        /** Fails when a flag that was given is outside {@code min..max}. */
        void range(final String flag, final int value, final int min, final int max)
        {
            if (result.hasMatchedOption(flag) && (value < min || value > max))
            {
                fail("out of range: %s=%s range=" + min + ".." + max, flag);
            }
        }

        /** Fails with a template naming {@code flag} and its value as typed (the last one given). */
        void fail(final String template, final String flag)
        {
            final List<String> typed = result.matchedOption(flag).originalStringValues();
            fail(String.format(template, flag, typed.get(typed.size() - 1)));
        }

        void fail(final String message)
        {
            throw new ParameterException(commandLine, message);
        }
    }

    /** The most virtual threads {@code --virtual-threads} takes (a pageio ring holds at most 32768 requests). */
    static final int MAX_VIRTUAL_THREADS = 32767;

    /** @return true when the workload runs on {@code --virtual-threads}. */
    boolean onVirtualThreads()
    {
        return virtualThreads > 0;
    }

    /** @return the number of blocks of {@code blockSize} in the used part of the file. */
    long blocks()
    {
        return sizeBytes / blockSize;
    }

    /** @return a copy to change for one run of a comparison. */
    BenchOptions copy()
    {
        try
        {
            return (BenchOptions)clone();
        }
        catch (final CloneNotSupportedException e)
        {
            throw new AssertionError(e);
        }
    }
}
