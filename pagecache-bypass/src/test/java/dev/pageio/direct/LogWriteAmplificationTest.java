package dev.pageio.direct;

import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.testing.sim.SimulatedEngine;
import dev.pageio.testing.sim.SimulatedFile;
import dev.pageio.testing.sim.SimulatedSchedule;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.concurrent.TimeUnit;

import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bytes the log's flushes write per byte appended, counted on the simulated device's write log, with no timing in
 * it: one thread appends a group of records, commits the last one and waits, and again. A commit is the only thing
 * that makes the flusher write (nothing waits while the group is appended, and the buffer never fills), so each
 * group is exactly one flush, and the counts are the same on every run.
 *
 * <p>The mechanism: a flush writes whole blocks (O_DIRECT), from the block holding the end of the previous flush to
 * the block holding its own end. A 100-byte record is a 128-byte frame (16-byte header, 16-byte alignment), so 1.28
 * bytes per byte appended is the floor; each flush that ends inside a block adds the zeros after its end, and the
 * next flush adds the rewrite of the part before it: about one block per flush. With 14 commits per flush (32
 * committers) that gave 1.56. The flusher now pads a tail block that is more than half full and the next flush
 * starts on a fresh block ({@link LogFlusher}); {@link LogBreakage#NO_TAIL_PAD} turns that off, to show the counts
 * go back up.
 */
class LogWriteAmplificationTest
{
    private static final int BLOCK = SimulatedFile.SECTOR;
    private static final int RECORD_BYTES = 100;
    private static final int FRAME_BYTES = 128;

    /** What a run of groups wrote. */
    private static final class Counts
    {
        long appended;
        long written;
        long writtenOnDevice;
        long rewritten;
        long flushes;
        long padded;
        long secondGroupLsn;

        double writtenPerAppended()
        {
            return (double)written / appended;
        }

        @Override
        public String toString()
        {
            return String.format("appended=%d written=%d writtenOnDevice=%d rewritten=%d flushes=%d padded=%d " +
                "writtenPerAppended=%.3f", appended, written, writtenOnDevice, rewritten, flushes, padded,
                writtenPerAppended());
        }
    }

    private static Counts runGroups(final LogBreakage breakage, final int groupSize, final int groups) throws Exception
    {
        final IoRing ring = SimulatedEngine.open(RingConfig.builder().threadMode(RingConfig.ThreadMode.DEDICATED)
            .name("log-amplification").idle(YieldingIdleStrategy::new, 1_000_000), new SimulatedSchedule(7));
        final SimulatedLogStorage storage = new SimulatedLogStorage(ring, Collections.emptyMap(), f -> { });
        final Counts counts = new Counts();
        try
        {
            final LogConfig config = LogConfig.builder().segmentBytes(4L << 20).bufferBytes(1 << 20)
                .zeroFillSegments(false).breakage(breakage).build();
            try (LogFile log = LogFile.open(storage, config, false))
            {
                final ByteBuffer record = ByteBuffer.allocateDirect(RECORD_BYTES);
                for (int g = 0; g < groups; g++)
                {
                    long lsn = -1;
                    for (int i = 0; i < groupSize; i++)
                    {
                        record.clear();
                        lsn = log.append(record);
                        if (g == 1 && i == 0)
                        {
                            counts.secondGroupLsn = lsn - log.firstLsn();
                        }
                    }
                    log.commit(lsn).get(30, TimeUnit.SECONDS);
                    counts.appended += (long)groupSize * RECORD_BYTES;
                }
                counts.written = log.bytesWritten();
                counts.flushes = log.flushes();
                counts.padded = log.paddedBytes();
            }
        }
        finally
        {
            ring.close();
        }
        long end = HEADER_BLOCK_BYTES;
        for (final SimulatedFile.Record r : storage.created().get(0).log())
        {
            if (r.offset < HEADER_BLOCK_BYTES)
            {
                continue; // the segment header
            }
            counts.writtenOnDevice += r.length;
            counts.rewritten += Math.max(0, Math.min(end, r.offset + r.length) - r.offset);
            end = Math.max(end, r.offset + r.length);
        }
        return counts;
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldPadATailBlockMoreThanHalfFullSoThatTheNextFlushWritesNoByteAgain() throws Exception
    {
        // 3 frames = 384 bytes of a 512-byte block: padded; the next group starts on the next block (and is padded)
        final Counts c = runGroups(LogBreakage.NONE, 3, 2);
        assertEquals(BLOCK, c.secondGroupLsn, c.toString());
        assertEquals(2 * (BLOCK - 3 * FRAME_BYTES), c.padded, c.toString());
        assertEquals(0, c.rewritten, "no block written twice: " + c);
        assertEquals(2 * BLOCK, c.written, c.toString());
        assertEquals(c.written, c.writtenOnDevice, "the log counts what the device saw: " + c);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRewriteATailBlockAtMostHalfFullRatherThanPadIt() throws Exception
    {
        // 2 frames = 256 bytes, half the block: padding would cost as much space as the rewrite costs writes
        final Counts c = runGroups(LogBreakage.NONE, 2, 2);
        assertEquals(2 * FRAME_BYTES, c.secondGroupLsn, c.toString());
        assertEquals(0, c.padded, c.toString());
        assertEquals(BLOCK, c.rewritten, "the half-full block was written again with the next group: " + c);
        assertEquals(c.written, c.writtenOnDevice, c.toString());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldWriteAtMostOneAndAHalfBytesPerByteAppendedWithFifteenRecordsPerFlushAndMoreWithoutThePad()
        throws Exception
    {
        // 15 frames = 1920 bytes = 3.75 blocks per flush. Unpadded, the flushes' ends cycle through the block
        // (0, 384, 256, 128): 4, 5, 5, 4 blocks written per 1500 bytes appended = 1.536. Padded, every flush starts
        // on a fresh block: 4 blocks = 1.365, for 128 bytes of log space per flush.
        final int groups = 64;
        final Counts padded = runGroups(LogBreakage.NONE, 15, groups);
        final Counts unpadded = runGroups(LogBreakage.NO_TAIL_PAD, 15, groups);
        System.out.println("LogWriteAmplificationTest: padded: " + padded);
        System.out.println("LogWriteAmplificationTest: unpadded: " + unpadded);
        assertEquals(groups, padded.flushes, "one flush per group: " + padded);
        assertEquals(groups, unpadded.flushes, "one flush per group: " + unpadded);
        assertEquals(groups * 4L * BLOCK, padded.written, padded.toString());
        assertEquals(padded.written, padded.writtenOnDevice, padded.toString());
        assertTrue(padded.writtenPerAppended() <= 1.5, padded.toString());
        assertTrue(unpadded.writtenPerAppended() > 1.5, "the count goes up without the pad: " + unpadded);
        assertEquals(groups / 4 * (4L + 5 + 5 + 4) * BLOCK, unpadded.written, unpadded.toString());
    }
}
