package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static dev.pageio.direct.LogFrameDescriptor.FRAME_HEADER_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;

/**
 * What the rooms of a {@link LogFile} share: the geometry (fixed at open), the log buffer, and the few positions and
 * signals that cross threads. Each field says who writes it; the rooms are {@link LogAppender} (buffer claim and
 * copy, any thread), {@link LogFlusher} (writes and barriers, the ring's agent thread), {@link LogCommitters}
 * (waiting commits), {@link LogSegments} (preparation, recycling, truncation, the preparer thread) and
 * {@link LogRecovery} (open).
 */
final class LogState
{
    /** Set in {@link #tail} once closed: no append claims after it. */
    static final long CLOSED_BIT = Long.MIN_VALUE;

    final LogConfig config;
    final LogStorage storage;
    final IoRing ring;
    final LogBreakage breakage;
    final long segmentBytes;
    /** Data bytes per segment (the segment less its header block): segment k holds LSNs [k*D, (k+1)*D). */
    final long dataBytes;
    final int bufferBytes;
    final int bufferMask;
    final int maxRecordBytes;
    final int generationBase;
    final long firstSegment;
    final long firstLsn;
    final long recoveredEndLsn;
    final String recoveredEndReason;
    /** The aligned in-memory log buffer: LSN p lives at {@code p & bufferMask}. */
    final ByteBuffer buffer;
    /** Write granularity (the O_DIRECT block); set once at open, before the flusher can run. */
    int blockBytes;

    /** Next LSN to claim; {@link #CLOSED_BIT} set once closed. Appenders CAS, close sets the bit. */
    final AtomicLong tail;
    /** Buffer space below this LSN is free (written out and zeroed). Agent writes, appenders read. */
    volatile long freeLsn;
    /** Every record below this LSN is durable. Agent writes. */
    volatile long durableLsn;
    /** The LSN of the oldest record kept. Truncation (preparer thread) writes. */
    volatile long startLsn;
    /** The first cause that poisoned the log, or null. Any thread writes once ({@link #poison}). */
    volatile Throwable failure;
    /** An appender found the buffer full: the flusher writes even without a committer. Appender sets, agent clears. */
    volatile boolean spaceWanted;
    /** Completes once closed (everything durable), or exceptionally (failed, abandoned). */
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    LogState(final LogConfig config, final LogStorage storage, final LogRecovery.Found found)
    {
        this.config = config;
        this.storage = storage;
        this.ring = storage.ring();
        this.breakage = config.breakage;
        this.segmentBytes = config.segmentBytes();
        this.dataBytes = segmentBytes - HEADER_BLOCK_BYTES;
        this.bufferBytes = config.bufferBytes();
        this.bufferMask = bufferBytes - 1;
        this.maxRecordBytes = maxRecordBytes(config);
        this.generationBase = found.generationBase;
        this.firstSegment = found.firstSegment;
        this.firstLsn = found.firstSegment * dataBytes;
        this.recoveredEndLsn = found.endLsn;
        this.recoveredEndReason = found.endReason;
        this.startLsn = found.startLsn;
        this.buffer = ByteBuffer.allocateDirect(bufferBytes + 4096).alignedSlice(4096).order(ByteOrder.LITTLE_ENDIAN);
        this.tail = new AtomicLong(firstLsn);
        this.freeLsn = firstLsn;
        this.durableLsn = firstLsn;
    }

    static int maxRecordBytes(final LogConfig config)
    {
        return (int)Math.min(config.bufferBytes() / 2, config.segmentBytes() - HEADER_BLOCK_BYTES) -
            FRAME_HEADER_BYTES;
    }

    /** @return the generation of segment {@code k} (segments opened since this open count up from the base). */
    int generation(final long k)
    {
        return generationBase + (int)(k - firstSegment);
    }

    /** @return the LSN the next append would get. */
    long appendedEndLsn()
    {
        return tail.get() & ~CLOSED_BIT;
    }

    /** Poisons the log with its first cause (later causes are dropped: the first is the one to report). */
    void poison(final Throwable cause)
    {
        if (failure == null)
        {
            failure = cause;
        }
    }

    /** @return the failure as the typed error commit handlers get. */
    IoFailure asIoFailure(final Throwable f)
    {
        if (f instanceof IoFailure)
        {
            return (IoFailure)f;
        }
        return IoFailure.of(IoOp.BARRIER, storage.describe(), -1, 0, 0, Errno.EIO, "log failed: " + f, f);
    }
}
