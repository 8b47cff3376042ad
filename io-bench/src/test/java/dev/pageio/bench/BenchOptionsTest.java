package dev.pageio.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchOptionsTest
{
    private static BenchOptions parse(final String... args)
    {
        return BenchOptions.parse(args);
    }

    private static String rejected(final String... args)
    {
        return assertThrows(ParameterException.class, () -> parse(args)).getMessage();
    }

    private static long bytes(final String text)
    {
        return new ByteSizeConverter().convert(text);
    }

    private static long ns(final String text)
    {
        return new DurationConverter().convert(text);
    }

    @Test
    void shouldParseSizesWithBinaryMultiplesAsFioDoes()
    {
        assertEquals(512, bytes("512"));
        assertEquals(4096, bytes("4k"));
        assertEquals(16384, bytes("16K"));
        assertEquals(4096, bytes("4KiB"));
        assertEquals(1L << 20, bytes("1m"));
        assertEquals(1L << 30, bytes("1g"));
        assertEquals(3L << 30, bytes("3GB"));
        assertEquals(1L << 40, bytes("1t"));
    }

    @Test
    void shouldRejectSizesThatAreNotPositiveOrOverflow()
    {
        assertThrows(BadValue.class, () -> bytes("0"));
        assertThrows(BadValue.class, () -> bytes("-4k"));
        assertThrows(BadValue.class, () -> bytes("k"));
        assertThrows(BadValue.class, () -> bytes("4x"));
        assertThrows(BadValue.class, () -> bytes("99999999999t"));
        assertThrows(BadValue.class, () -> bytes("99999999999999999999"));
    }

    @Test
    void shouldParseDurationsInSecondsByDefault()
    {
        assertEquals(10_000_000_000L, ns("10"));
        assertEquals(10_000_000_000L, ns("10s"));
        assertEquals(500_000_000L, ns("500ms"));
        assertEquals(120_000_000_000L, ns("2m"));
        assertEquals(1_500_000_000L, ns("1.5"));
        assertThrows(BadValue.class, () -> ns("soon"));
        assertThrows(BadValue.class, () -> ns("-1"));
    }

    @Test
    void shouldDefaultToTheComparisonOfFourKibRandomReadsAtQd32()
    {
        final BenchOptions o = parse();
        assertEquals("all", o.engine);
        assertEquals(Rw.RANDREAD, o.rw);
        assertEquals(4096, o.blockSize);
        assertEquals(32, o.queueDepth);
        assertEquals(1, o.jobs);
        assertEquals(1L << 30, o.sizeBytes);
        assertTrue(o.direct);
        assertEquals(10_000_000_000L, o.runtimeNs);
        assertEquals(Path.of(BenchOptions.DEFAULT_FILE), o.file);
    }

    @Test
    void shouldAcceptBothSpaceAndEqualsForms()
    {
        final BenchOptions o = parse("--engine", "jdk-async", "--rw=randrw", "--mix", "70", "--bs=16k", "--qd", "8",
            "--jobs=4", "--rings", "2", "--file=/dev/shm/x", "--size", "64m", "--buffered", "--runtime=2s",
            "--warmup", "0", "--barrier-every", "32", "--json");
        assertEquals("jdk-async", o.engine);
        assertEquals(Rw.RANDRW, o.rw);
        assertEquals(70, o.mixReadPercent);
        assertEquals(16384, o.blockSize);
        assertEquals(8, o.queueDepth);
        assertEquals(4, o.jobs);
        assertEquals(2, o.rings);
        assertEquals(Path.of("/dev/shm/x"), o.file);
        assertEquals(64L << 20, o.sizeBytes);
        assertFalse(o.direct);
        assertEquals(2_000_000_000L, o.runtimeNs);
        assertEquals(0, o.warmupNs);
        assertEquals(32, o.barrierEvery);
        assertTrue(o.json);
        assertEquals(4096, o.blocks());
    }

    @Test
    void shouldRejectUnknownFlagsMissingValuesAndStrayArguments()
    {
        assertEquals("unknown flag: --bogus", rejected("--bogus"));
        assertEquals("missing value: --bs", rejected("--bs"));
        assertEquals("unexpected argument: randread", rejected("randread"));
        assertEquals("flag takes no value: --json=yes", rejected("--json=yes"));
    }

    @Test
    void shouldRejectValuesOutOfRangeNamingFlagAndValue()
    {
        assertEquals("out of range: --qd=0 range=1..4096", rejected("--qd", "0"));
        assertEquals("not a number: --jobs=two", rejected("--jobs", "two"));
        assertTrue(rejected("--engine", "spdk").startsWith("bad --engine=spdk"));
        assertTrue(rejected("--rw", "trim").startsWith("bad --rw=trim"));
        assertTrue(rejected("--mix", "101").startsWith("out of range: --mix=101"));
    }

    @Test
    void shouldRejectCombinationsThatCannotRun()
    {
        assertTrue(rejected("--mix", "70").startsWith("--mix applies to --rw randrw only"));
        assertTrue(rejected("--bs", "1000").startsWith("--direct needs --bs a multiple of 512"));
        assertTrue(rejected("--size", "1k").startsWith("--size smaller than --bs"));
        assertTrue(rejected("--rings", "2").startsWith("more rings than jobs"));
        assertTrue(rejected("--barrier-every", "4").startsWith("--barrier-every needs writes"));
        assertTrue(rejected("--group-commit", "--rw", "randrw").startsWith("--group-commit writes only"));
    }

    @Test
    void shouldMakeGroupCommitAWriteWorkload()
    {
        assertEquals(Rw.RANDWRITE, parse("--group-commit").rw);
    }

    @Test
    void shouldTakeTheBarrierSyncsInFlightForPageioRings()
    {
        assertEquals(dev.pageio.core.RingConfig.DEFAULT_BARRIER_SYNCS_IN_FLIGHT_MAX, parse().barrierSyncs);
        assertEquals(4, parse("--group-commit", "--barrier-syncs", "4").barrierSyncs);
        assertEquals(1, parse("--group-commit", "--barrier-syncs=1").barrierSyncs);
        assertEquals("out of range: --barrier-syncs=0 range=1..64", rejected("--barrier-syncs", "0"));
        assertEquals("out of range: --barrier-syncs=65 range=1..64", rejected("--barrier-syncs", "65"));
        assertEquals("not a number: --barrier-syncs=two", rejected("--barrier-syncs", "two"));
    }

    @Test
    void shouldTakeTheRegisteredBufferAndFileFlagsForIoUringOnly()
    {
        final BenchOptions o = parse("--engine", "uring", "--fixed-buffers", "--fixed-files", "--sqpoll");
        assertTrue(o.fixedBuffers && o.fixedFiles && o.sqPoll);
        assertFalse(parse("--engine", "uring").fixedBuffers);
        assertFalse(parse("--engine", "uring").fixedFiles);
        assertEquals("--fixed-buffers needs --engine uring: engine=all", rejected("--fixed-buffers"));
        assertEquals("--fixed-files needs --engine uring: engine=aio", rejected("--engine", "aio", "--fixed-files"));
        assertEquals("flag takes no value: --fixed-files=1", rejected("--engine", "uring", "--fixed-files=1"));
    }

    @Test
    void shouldTurnTheAdaptiveSpinOffAndOnAgain()
    {
        assertTrue(parse().adaptiveSpin);
        assertFalse(parse("--no-adaptive-spin").adaptiveSpin);
        assertTrue(parse("--no-adaptive-spin", "--adaptive-spin").adaptiveSpin);
    }

    @Test
    void shouldPassEverythingAfterJmhToJmh()
    {
        final BenchOptions o = parse("--jmh", "-prof", "gc", "Nop");
        assertEquals(3, o.jmhArgs.length);
        assertEquals("-prof", o.jmhArgs[0]);
    }

    @Test
    void shouldParseEveryPageioAgentAndIoUringFlag()
    {
        final BenchOptions o = parse("--poll", "spin", "--submit-batch=64", "--sleep-after", "20us", "--no-coop-taskrun",
            "--no-defer-taskrun", "--sqpoll", "--engine", "uring");
        assertEquals("spin", o.poll);
        assertEquals(64, o.submitBatch);
        assertEquals(20_000L, o.sleepAfterNs);
        assertFalse(o.coopTaskRun);
        assertFalse(o.deferTaskRun);
        assertTrue(o.sqPoll);
        final BenchOptions back = parse("--no-coop-taskrun", "--coop-taskrun", "--no-defer-taskrun", "--defer-taskrun");
        assertTrue(back.coopTaskRun);
        assertTrue(back.deferTaskRun);
        assertEquals(-1L, parse().sleepAfterNs);
        assertEquals("backoff", parse().poll);
        assertFalse(parse().sqPoll);
    }

    @Test
    void shouldLetTheLastOfARepeatedFlagWin()
    {
        assertEquals(8, parse("--qd", "4", "--qd", "8").queueDepth);
        assertTrue(parse("--buffered", "--direct").direct);
        assertFalse(parse("--direct", "--buffered").direct);
        assertTrue(parse("--direct").direct);
    }

    @Test
    void shouldRejectEachBadValueWithTheMessageTheHandWrittenParserGave()
    {
        // the texts of the parser picocli replaced, checked against it on the same arguments before it was removed
        assertEquals("bad size suffix: --bs=4x (expected k, m, g or t)", rejected("--bs", "4x"));
        assertEquals("bad size: --bs=k (expected e.g. 512, 4k, 16k, 1m, 1g)", rejected("--bs", "k"));
        assertEquals("size must be positive: --bs=0", rejected("--bs", "0"));
        assertEquals("bad size: --size=-1g (expected e.g. 512, 4k, 16k, 1m, 1g)", rejected("--size", "-1g"));
        assertEquals("size too large: --size=99999999999t", rejected("--size", "99999999999t"));
        assertEquals("block size too large: --bs=128m max=64m", rejected("--bs", "128m"));
        assertEquals("bad duration: --runtime=soon (expected seconds, e.g. 10, 10s, 500ms, 2m)", rejected("--runtime", "soon"));
        assertEquals("duration out of range: --warmup=-1 range=0..24h", rejected("--warmup", "-1"));
        assertEquals("duration out of range: --runtime=100000 range=0..24h", rejected("--runtime", "100000"));
        assertEquals("runtime too short: --runtime=50ms min=100ms", rejected("--runtime", "50ms"));
        assertEquals("bad duration: --sleep-after=x (expected seconds, e.g. 10, 10s, 500ms, 2m)", rejected("--sleep-after", "x"));
        assertEquals("bad --engine=spdk (expected one of uring, aio, threads, jdk-async, jdk-channel, auto, all, pageio-afc, pageio-afc-heap, jdk-async-heap)",
            rejected("--engine", "spdk"));
        assertEquals("bad --rw=trim (expected randread, randwrite, read, write or randrw)", rejected("--rw", "trim"));
        assertEquals("bad --poll=busy (expected backoff, spin or sleep)", rejected("--poll=busy"));
        assertEquals("bad --submit-batch=many (a whole number, 1 to 32768)", rejected("--submit-batch", "many"));
        assertEquals("bad --submit-batch=32769 (1 to 32768)", rejected("--submit-batch", "32769"));
        assertEquals("empty --file", rejected("--file="));
        assertEquals("out of range: --qd=-1 range=1..4096", rejected("--qd", "-1"));
        assertEquals("out of range: --jobs=1025 range=1..1024", rejected("--jobs", "1025"));
        assertEquals("out of range: --rings=257 range=1..256", rejected("--rings", "257", "--jobs", "1000"));
        assertEquals("out of range: --barrier-every=0 range=1..2147483647", rejected("--rw", "randwrite", "--barrier-every", "0"));
        assertEquals("not a number: --jobs=two", rejected("--jobs=two"));
        assertEquals("missing value: --qd", rejected("--qd"));
        assertEquals("unknown flag: --bogus", rejected("--bogus=1"));
        assertEquals("unknown flag: --bogus", rejected("-h", "--bogus"));
        assertEquals("flag takes no value: --buffered=no", rejected("--buffered=no"));
        assertEquals("flag takes no value: --sqpoll=1", rejected("--sqpoll=1"));
    }

    @Test
    void shouldRejectCombinationsWithTheMessagesTheHandWrittenParserGave()
    {
        assertEquals("--mix applies to --rw randrw only: rw=randread", rejected("--mix", "70"));
        assertEquals("--direct needs --bs a multiple of 512: bs=1000 (or use --buffered)", rejected("--bs", "1000"));
        assertEquals(1000, parse("--bs", "1000", "--buffered").blockSize);
        assertEquals("--size smaller than --bs: size=1024 bs=4096", rejected("--size", "1k"));
        assertEquals("more rings than jobs: rings=2 jobs=1 (each ring needs a job)", rejected("--rings", "2"));
        assertEquals("--barrier-every needs writes: rw=randread", rejected("--barrier-every", "4"));
        assertEquals("--group-commit and --barrier-every exclude each other (group commit is a barrier after every write)",
            rejected("--group-commit", "--barrier-every", "4"));
        assertEquals("--group-commit writes only: use --rw randwrite or write (rw=randrw)",
            rejected("--group-commit", "--rw", "randrw"));
        assertEquals("too many outstanding requests: qd=4096 jobs=17 max qd*jobs=65536", rejected("--qd", "4096", "--jobs", "17"));
    }

    @Test
    void shouldDefaultTheLogBenchmarkToTheIssuesGridOnTheAutoEngine()
    {
        final BenchOptions o = parse("--log");
        assertTrue(o.log);
        assertEquals("auto", o.engine);
        assertArrayEquals(new int[] {1, 8, 32, 128}, o.committers.values);
        assertArrayEquals(new int[] {100, 4096}, o.recordSizes.values);
        assertEquals(List.of("pageio", "force", "group"), o.logImpls.values);
        assertEquals(Path.of(BenchOptions.DEFAULT_LOG_DIR), o.logDir);
        assertEquals(10_000_000_000L, o.runtimeNs);
    }

    @Test
    void shouldParseEveryLogFlagAndTheSharedOnes()
    {
        final BenchOptions o = parse("--log", "--committers=4,16", "--record-sizes", "100,512,4k", "--log-impl",
            "pageio,group", "--log-dir=/tmp/x", "--engine", "all", "--runtime", "2s", "--warmup=0", "--poll", "spin",
            "--no-zero-fill");
        assertTrue(o.noZeroFill);
        assertFalse(parse("--log").noZeroFill);
        assertEquals(List.of("barrier"), parse("--log").logSyncModes.values, "LogFile's default sync mode");
        assertEquals(List.of("barrier", "dsync"), parse("--log", "--log-sync", "barrier,dsync").logSyncModes.values);
        assertEquals(List.of("dsync"), parse("--log", "--log-sync=dsync").logSyncModes.values);
        assertArrayEquals(new int[] {4, 16}, o.committers.values);
        assertArrayEquals(new int[] {100, 512, 4096}, o.recordSizes.values);
        assertEquals(List.of("pageio", "group"), o.logImpls.values);
        assertEquals(Path.of("/tmp/x"), o.logDir);
        assertEquals("all", o.engine);
        assertEquals(2_000_000_000L, o.runtimeNs);
        assertEquals(0, o.warmupNs);
        assertEquals("spin", o.poll);
        assertArrayEquals(new int[] {8}, parse("--log", "--committers", "2", "--committers", "8").committers.values,
            "the last of a repeated flag wins");
    }

    @Test
    void shouldRejectBadLogValuesNamingFlagAndValue()
    {
        assertEquals("not a list of numbers: --committers=1,x (e.g. 1,8,32,128)", rejected("--log", "--committers", "1,x"));
        assertEquals("not a list of numbers: --committers=1, (e.g. 1,8,32,128)", rejected("--log", "--committers=1,"));
        assertEquals("out of range: --committers=8,0 range=1..4096 each", rejected("--log", "--committers", "8,0"));
        assertEquals("not a list of sizes: --record-sizes=100,4x (e.g. 100,4k)", rejected("--log", "--record-sizes=100,4x"));
        assertEquals("record size too large: --record-sizes=2m max=1m each", rejected("--log", "--record-sizes", "2m"));
        assertEquals("bad --log-impl=pageio,fsync (expected a list of pageio, force, group)",
            rejected("--log", "--log-impl", "pageio,fsync"));
        assertEquals("empty --log-dir", rejected("--log", "--log-dir="));
        assertEquals("bad --log-sync=dsync,fsync (expected a list of barrier, dsync)",
            rejected("--log", "--log-sync", "dsync,fsync"));
        assertEquals("--log runs LogFile on a pageio ring: --engine=jdk-async (expected one of uring, aio, threads, auto, all)",
            rejected("--log", "--engine", "jdk-async"));
    }

    @Test
    void shouldRejectPageFlagsWithLogAndLogFlagsWithoutIt()
    {
        assertEquals("--bs does not apply to --log (use --record-sizes)", rejected("--log", "--bs", "4k"));
        assertEquals("--jobs does not apply to --log (use --committers)", rejected("--log", "--jobs", "4"));
        assertEquals("--file does not apply to --log (use --log-dir)", rejected("--log", "--file", "x"));
        assertEquals("--group-commit does not apply to --log", rejected("--log", "--group-commit"));
        assertEquals("--json does not apply to --log", rejected("--log", "--json"));
        assertEquals("--committers applies to --log only", rejected("--committers", "8"));
        assertEquals("--log-dir applies to --log only", rejected("--log-dir", "/tmp/x"));
        assertEquals("--no-zero-fill applies to --log only", rejected("--no-zero-fill"));
        assertEquals("--log-sync applies to --log only", rejected("--log-sync", "dsync"));
    }

    @Test
    void shouldListEveryFlagAndWorkloadInTheUsage()
    {
        final String usage = BenchOptions.usage();
        assertTrue(usage.startsWith("usage: pageio-bench [options]"), usage);
        for (final String flag : new String[] {"--engine", "--rw", "--mix", "--bs", "--qd", "--jobs", "--rings", "--file",
            "--size", "--direct", "--buffered", "--runtime", "--warmup", "--barrier-every", "--group-commit", "--barrier-syncs", "--poll",
            "--submit-batch", "--sleep-after", "--coop-taskrun", "--no-coop-taskrun", "--defer-taskrun",
            "--no-defer-taskrun", "--sqpoll", "--fixed-buffers", "--fixed-files", "--adaptive-spin", "--no-adaptive-spin",
            "--json", "--jmh", "--log", "--committers", "--record-sizes", "--log-impl", "--log-dir", "--no-zero-fill",
            "--log-sync", "-h, --help"})
        {
            assertTrue(usage.contains(flag), flag + " missing from:\n" + usage);
        }
        assertTrue(usage.contains("randread|randwrite|read|write|randrw"), usage);
        assertTrue(usage.contains("uring|aio|threads|jdk-async|jdk-channel|auto|all"), usage);
        assertTrue(usage.contains("ring j % N"), "picocli format escape left in:\n" + usage);
    }
}
