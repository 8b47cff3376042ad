package dev.pageio.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchOptionsTest
{
    private static BenchOptions parse(final String... args) throws UsageException
    {
        return BenchOptions.parse(args);
    }

    private static String rejected(final String... args)
    {
        return assertThrows(UsageException.class, () -> parse(args)).getMessage();
    }

    @Test
    void shouldParseSizesWithBinaryMultiplesAsFioDoes() throws UsageException
    {
        assertEquals(512, Sizes.parseBytes("--bs", "512"));
        assertEquals(4096, Sizes.parseBytes("--bs", "4k"));
        assertEquals(16384, Sizes.parseBytes("--bs", "16K"));
        assertEquals(4096, Sizes.parseBytes("--bs", "4KiB"));
        assertEquals(1L << 20, Sizes.parseBytes("--bs", "1m"));
        assertEquals(1L << 30, Sizes.parseBytes("--size", "1g"));
        assertEquals(3L << 30, Sizes.parseBytes("--size", "3GB"));
        assertEquals(1L << 40, Sizes.parseBytes("--size", "1t"));
    }

    @Test
    void shouldRejectSizesThatAreNotPositiveOrOverflow()
    {
        assertThrows(UsageException.class, () -> Sizes.parseBytes("--bs", "0"));
        assertThrows(UsageException.class, () -> Sizes.parseBytes("--bs", "-4k"));
        assertThrows(UsageException.class, () -> Sizes.parseBytes("--bs", "k"));
        assertThrows(UsageException.class, () -> Sizes.parseBytes("--bs", "4x"));
        assertThrows(UsageException.class, () -> Sizes.parseBytes("--size", "99999999999t"));
        assertThrows(UsageException.class, () -> Sizes.parseBytes("--size", "99999999999999999999"));
    }

    @Test
    void shouldParseDurationsInSecondsByDefault() throws UsageException
    {
        assertEquals(10_000_000_000L, Sizes.parseDurationNs("--runtime", "10"));
        assertEquals(10_000_000_000L, Sizes.parseDurationNs("--runtime", "10s"));
        assertEquals(500_000_000L, Sizes.parseDurationNs("--runtime", "500ms"));
        assertEquals(120_000_000_000L, Sizes.parseDurationNs("--runtime", "2m"));
        assertEquals(1_500_000_000L, Sizes.parseDurationNs("--warmup", "1.5"));
        assertThrows(UsageException.class, () -> Sizes.parseDurationNs("--runtime", "soon"));
        assertThrows(UsageException.class, () -> Sizes.parseDurationNs("--runtime", "-1"));
    }

    @Test
    void shouldDefaultToTheComparisonOfFourKibRandomReadsAtQd32() throws UsageException
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
    void shouldAcceptBothSpaceAndEqualsForms() throws UsageException
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
    void shouldMakeGroupCommitAWriteWorkload() throws UsageException
    {
        assertEquals(Rw.RANDWRITE, parse("--group-commit").rw);
    }

    @Test
    void shouldPassEverythingAfterJmhToJmh() throws UsageException
    {
        final BenchOptions o = parse("--jmh", "-prof", "gc", "Nop");
        assertEquals(3, o.jmhArgs.length);
        assertEquals("-prof", o.jmhArgs[0]);
    }
}
