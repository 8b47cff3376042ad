package dev.pageio.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * The command line, parsed and validated once by {@link #parse}. Flags take their value as {@code --bs 4k} or
 * {@code --bs=4k}. Mutable only through {@link #copy()} for the runs of a comparison.
 */
final class BenchOptions implements Cloneable
{
    /** Engine names accepted by {@code --engine}. */
    static final List<String> ENGINES = List.of("uring", "aio", "threads", "jdk-async", "jdk-channel", "auto", "all",
        "pageio-afc", "pageio-afc-heap", "jdk-async-heap");

    static final String DEFAULT_FILE = "pageio-bench.dat";

    static final String USAGE = String.join("\n",
        "usage: pageio-bench [options]            (no options: 10 s of 4k randread at QD32 on every engine, one table)",
        "  --engine E         uring|aio|threads|jdk-async|jdk-channel|auto|all   (default all)",
        "  --rw P             randread|randwrite|read|write|randrw               (default randread)",
        "  --mix N            percent reads for --rw randrw                      (default 50)",
        "  --bs SIZE          block size: 512, 4k, 16k, 1m...                    (default 4k)",
        "  --qd N             outstanding requests per job                       (default 32)",
        "  --jobs N           submitting threads                                 (default 1)",
        "  --rings N          pageio rings; job j uses ring j % N                (default 1)",
        "  --file PATH        the file (created and filled on first use)         (default ./" + DEFAULT_FILE + ")",
        "  --size SIZE        bytes of the file used                             (default 1g)",
        "  --direct | --buffered   O_DIRECT (default) or through the page cache",
        "  --runtime T        measured seconds (10, 10s, 500ms, 2m)              (default 10)",
        "  --warmup T         seconds run before measuring                       (default 1)",
        "  --barrier-every N  a barrier (fdatasync) after every N writes per job",
        "  --group-commit     each job writes a page then waits for a barrier, in a loop",
        "  --poll MODE        pageio agent idling: backoff (spin, then sleep in the kernel), spin, sleep  (default backoff)",
        "  --submit-batch N   pageio agent: most requests per submit system call (default: RingConfig's)",
        "  --sleep-after T    pageio agent: idle time before it blocks in the kernel (e.g. 0, 20us, 1ms)",
        "  --coop-taskrun | --no-coop-taskrun   io_uring COOP_TASKRUN|TASKRUN_FLAG on (the default) or off",
        "  --defer-taskrun | --no-defer-taskrun   io_uring SINGLE_ISSUER|DEFER_TASKRUN on dedicated rings",
        "  --sqpoll           io_uring SQPOLL (a kernel thread polls the submission ring)",
        "  --json             the final report as JSON on stdout (one object per engine run)",
        "  --jmh [ARGS]       run the JMH microbenchmarks (ARGS go to JMH, e.g. -prof gc)",
        "  -h, --help         this text");

    String engine = "all";
    boolean engineGiven;
    Rw rw = Rw.RANDREAD;
    boolean rwGiven;
    int mixReadPercent = 50;
    boolean mixGiven;
    int blockSize = 4096;
    int queueDepth = 32;
    int jobs = 1;
    int rings = 1;
    Path file = Path.of(DEFAULT_FILE);
    long sizeBytes = 1L << 30;
    boolean direct = true;
    long runtimeNs = 10_000_000_000L;
    long warmupNs = 1_000_000_000L;
    int barrierEvery;
    boolean groupCommit;
    boolean json;
    boolean help;
    String poll = "backoff";
    long sleepAfterNs = -1;
    int submitBatch = dev.pageio.core.RingConfig.defaults().submitBatchMax();
    boolean coopTaskRun = dev.pageio.core.RingConfig.defaults().coopTaskRun();
    boolean sqPoll;
    boolean deferTaskRun = dev.pageio.core.RingConfig.defaults().deferTaskRun();
    String[] jmhArgs;

    /**
     * @param args the command line.
     * @return the validated options.
     * @throws UsageException on the first bad flag, with one line saying why.
     */
    static BenchOptions parse(final String[] args) throws UsageException
    {
        final BenchOptions o = new BenchOptions();
        for (int i = 0; i < args.length; i++)
        {
            final String arg = args[i];
            if ("--jmh".equals(arg))
            {
                o.jmhArgs = Arrays.copyOfRange(args, i + 1, args.length);
                return o;
            }
            if (!arg.startsWith("-"))
            {
                throw new UsageException("unexpected argument: " + arg);
            }
            final int eq = arg.indexOf('=');
            final String flag = eq > 0 ? arg.substring(0, eq) : arg;
            String inline = eq > 0 ? arg.substring(eq + 1) : null;
            switch (flag)
            {
                case "-h":
                case "--help":
                    noValue(flag, inline);
                    o.help = true;
                    break;
                case "--direct":
                    noValue(flag, inline);
                    o.direct = true;
                    break;
                case "--buffered":
                    noValue(flag, inline);
                    o.direct = false;
                    break;
                case "--group-commit":
                    noValue(flag, inline);
                    o.groupCommit = true;
                    break;
                case "--json":
                    noValue(flag, inline);
                    o.json = true;
                    break;
                case "--coop-taskrun":
                    noValue(flag, inline);
                    o.coopTaskRun = true;
                    break;
                case "--no-coop-taskrun":
                    noValue(flag, inline);
                    o.coopTaskRun = false;
                    break;
                case "--defer-taskrun":
                    noValue(flag, inline);
                    o.deferTaskRun = true;
                    break;
                case "--no-defer-taskrun":
                    noValue(flag, inline);
                    o.deferTaskRun = false;
                    break;
                case "--sqpoll":
                    noValue(flag, inline);
                    o.sqPoll = true;
                    break;
                default:
                    if (inline == null)
                    {
                        if (!isValued(flag))
                        {
                            throw new UsageException("unknown flag: " + flag);
                        }
                        if (i + 1 >= args.length)
                        {
                            throw new UsageException("missing value: " + flag);
                        }
                        inline = args[++i];
                    }
                    o.set(flag, inline);
                    break;
            }
        }
        o.validate();
        return o;
    }

    private static boolean isValued(final String flag)
    {
        switch (flag)
        {
            case "--engine":
            case "--rw":
            case "--mix":
            case "--bs":
            case "--qd":
            case "--jobs":
            case "--rings":
            case "--file":
            case "--size":
            case "--runtime":
            case "--warmup":
            case "--barrier-every":
            case "--poll":
            case "--sleep-after":
            case "--submit-batch":
                return true;
            default:
                return false;
        }
    }

    private static void noValue(final String flag, final String inline) throws UsageException
    {
        if (inline != null)
        {
            throw new UsageException("flag takes no value: " + flag + "=" + inline);
        }
    }

    private void set(final String flag, final String value) throws UsageException
    {
        switch (flag)
        {
            case "--poll":
                if (!value.equals("backoff") && !value.equals("spin") && !value.equals("sleep"))
                {
                    throw new UsageException("bad --poll=" + value + " (expected backoff, spin or sleep)");
                }
                poll = value;
                break;
            case "--engine":
                if (!ENGINES.contains(value))
                {
                    throw new UsageException("bad --engine=" + value + " (expected one of " + String.join(", ", ENGINES) + ")");
                }
                engine = value;
                engineGiven = true;
                break;
            case "--rw":
                rw = Rw.parse(value);
                rwGiven = true;
                break;
            case "--mix":
                mixReadPercent = parseInt(flag, value, 0, 100);
                mixGiven = true;
                break;
            case "--bs":
            {
                final long bs = Sizes.parseBytes(flag, value);
                if (bs > 64L << 20)
                {
                    throw new UsageException("block size too large: --bs=" + value + " max=64m");
                }
                blockSize = (int)bs;
                break;
            }
            case "--qd":
                queueDepth = parseInt(flag, value, 1, 4096);
                break;
            case "--jobs":
                jobs = parseInt(flag, value, 1, 1024);
                break;
            case "--rings":
                rings = parseInt(flag, value, 1, 256);
                break;
            case "--file":
                if (value.isEmpty())
                {
                    throw new UsageException("empty --file");
                }
                file = Path.of(value);
                break;
            case "--size":
                sizeBytes = Sizes.parseBytes(flag, value);
                break;
            case "--runtime":
                runtimeNs = Sizes.parseDurationNs(flag, value);
                if (runtimeNs < 100_000_000L)
                {
                    throw new UsageException("runtime too short: --runtime=" + value + " min=100ms");
                }
                break;
            case "--warmup":
                warmupNs = Sizes.parseDurationNs(flag, value);
                break;
            case "--sleep-after":
                sleepAfterNs = Sizes.parseDurationNs(flag, value);
                break;
            case "--submit-batch":
                try
                {
                    submitBatch = Integer.parseInt(value);
                }
                catch (final NumberFormatException e)
                {
                    throw new UsageException("bad --submit-batch=" + value + " (a whole number, 1 to 32768)");
                }
                if (submitBatch < 1 || submitBatch > 32768)
                {
                    throw new UsageException("bad --submit-batch=" + value + " (1 to 32768)");
                }
                break;
            case "--barrier-every":
                barrierEvery = parseInt(flag, value, 1, Integer.MAX_VALUE);
                break;
            default:
                throw new UsageException("unknown flag: " + flag);
        }
    }

    private static int parseInt(final String flag, final String value, final int min, final int max) throws UsageException
    {
        final int v;
        try
        {
            v = Integer.parseInt(value.trim());
        }
        catch (final NumberFormatException e)
        {
            throw new UsageException("not a number: " + flag + "=" + value);
        }
        if (v < min || v > max)
        {
            throw new UsageException("out of range: " + flag + "=" + value + " range=" + min + ".." + max);
        }
        return v;
    }

    private void validate() throws UsageException
    {
        if (groupCommit && !rwGiven)
        {
            rw = Rw.RANDWRITE;
        }
        if (mixGiven && rw != Rw.RANDRW)
        {
            throw new UsageException("--mix applies to --rw randrw only: rw=" + rw.fioName());
        }
        if (direct && blockSize % 512 != 0)
        {
            throw new UsageException("--direct needs --bs a multiple of 512: bs=" + blockSize + " (or use --buffered)");
        }
        if (sizeBytes < blockSize)
        {
            throw new UsageException("--size smaller than --bs: size=" + sizeBytes + " bs=" + blockSize);
        }
        if (rings > jobs)
        {
            throw new UsageException("more rings than jobs: rings=" + rings + " jobs=" + jobs + " (each ring needs a job)");
        }
        if (barrierEvery > 0 && !rw.writes)
        {
            throw new UsageException("--barrier-every needs writes: rw=" + rw.fioName());
        }
        if (groupCommit && barrierEvery > 0)
        {
            throw new UsageException("--group-commit and --barrier-every exclude each other (group commit is a barrier after every write)");
        }
        if (groupCommit && rw.reads)
        {
            throw new UsageException("--group-commit writes only: use --rw randwrite or write (rw=" + rw.fioName() + ")");
        }
        if ((long)queueDepth * jobs > 65536)
        {
            throw new UsageException("too many outstanding requests: qd=" + queueDepth + " jobs=" + jobs + " max qd*jobs=65536");
        }
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
