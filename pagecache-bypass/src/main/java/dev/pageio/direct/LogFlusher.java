package dev.pageio.direct;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.QueueFullException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.INT;
import static dev.pageio.direct.LogFrameDescriptor.PAD_FLAG;

/**
 * The flush room of a {@link LogFile}: on the ring's agent thread (woken by a NOP through the ring, never by a
 * thread of its own) it scans the published records, writes the blocks from the last written one (the partial tail
 * block is rewritten as it grows: O_DIRECT writes nothing smaller) in <em>one</em> write, and issues <em>one</em>
 * barrier covering exactly that write ({@code IoFile.barrierCovering} with the sequence number the write returned;
 * DATA mode: segments are preallocated and synced) that serves every committer whose record is in it. Writes never
 * overlap; barriers of up to {@link LogConfig#flushesInFlightMax()} flushes are in flight at once (pipelined,
 * BARRIER.md rule 4); the durable LSN advances in LSN order.
 *
 * <p><b>Tail blocks.</b> A flush that ends inside a block writes the whole block, and the next flush writes it again
 * from its start (O_DIRECT writes whole blocks): {@code f} bytes already written are written twice and the
 * {@code r = block - f} bytes after the end are written as zeros, about one block of extra bytes per flush. When the
 * flusher has caught up with every claim ({@code tail == scanPos}) and the tail block is more than half full
 * ({@code f > r}), it claims the rest of the block itself (one CAS on the tail, as an appender would) and fills it
 * with a padding frame: the flush ends on a block boundary and the next one starts on a fresh block, so the
 * {@code f} bytes are not rewritten; the price is {@code r < f} bytes of log space, never more than it saves.
 * {@link #paddedBytes()} counts that space.
 *
 * <p>{@link LogConfig.SyncMode#DSYNC}: the segment files are O_DSYNC, so a flush is its write alone: no barrier is
 * issued, and the flush counts as synced when its write completed successfully (BARRIER.md rule 10). Writes are
 * still one at a time, so the durable LSN still advances in LSN order.
 *
 * <p>Back-pressure from a full ring (a shared one) is never a failure: a flush that cannot be issued waits for the
 * next completion, and a kick the ring refused is retried on the log's preparer thread.
 *
 * <p>Threading: {@link #kick}: any thread; everything else: the ring's agent thread.
 */
final class LogFlusher
{
    private final LogState state;
    private final LogSegments segments;
    private final LogCommitters committers;
    private final ByteBuffer buffer;
    private final int bufferBytes;
    private final int bufferMask;
    private final long dataBytes;
    private final LogBreakage breakage;
    /** True in {@link LogConfig.SyncMode#DSYNC} mode: a completed write is durable, no barrier is issued. */
    private final boolean dsync;
    private final AtomicInteger kickState = new AtomicInteger();
    /** The flusher's own view of the buffer and CRC, for the padding frames it writes. */
    private final ByteBuffer padView;
    private final CRC32C padCrc = new CRC32C();
    /** The file kicks go through (the newest segment's). Agent and open write. */
    private volatile IoFile kickFile;

    // -------------------------------------------------------------------------------- agent thread only
    private final Flush[] flushes;
    private int flushHead;
    private int flushCount;
    private boolean writeInFlight;
    private long scanPos;
    private long coverIssued;
    private long currentSegment = -1;
    private IoFile currentFile;
    private long oldestOpenSegment;
    private final ByteBuffer writeA;
    private final ByteBuffer writeB;
    private final ByteBuffer[] writePair;
    private boolean closing;
    private long finalTail = -1;
    /** Flushes issued (one write + one barrier each) and bytes they wrote. Agent writes, anyone reads. */
    private volatile long flushesIssued;
    private volatile long bytesWritten;
    private volatile long paddedBytes;

    /** One flush: a write and the barrier after it. Agent thread. */
    private static final class Flush
    {
        long cover;
        long from;
        long writeEnd;
        /** The write's sequence number in {@link #file}: the flush's barrier covers up to it, no further. */
        long writeSeq;
        boolean writeDone;
        boolean synced;
        boolean barrierIssued;
        IoFile file;
    }

    LogFlusher(final LogState state, final LogSegments segments, final LogCommitters committers)
    {
        this.state = state;
        this.segments = segments;
        this.committers = committers;
        this.buffer = state.buffer;
        this.bufferBytes = state.bufferBytes;
        this.bufferMask = state.bufferMask;
        this.dataBytes = state.dataBytes;
        this.breakage = state.breakage;
        this.dsync = state.config.syncMode() == LogConfig.SyncMode.DSYNC;
        this.scanPos = state.firstLsn;
        this.coverIssued = state.firstLsn;
        this.oldestOpenSegment = state.firstSegment;
        this.flushes = new Flush[state.config.flushesInFlightMax()];
        for (int i = 0; i < flushes.length; i++)
        {
            flushes[i] = new Flush();
        }
        this.writeA = buffer.duplicate();
        this.writeB = buffer.duplicate();
        this.writePair = new ByteBuffer[] {writeA, writeB};
        this.padView = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Sets the file kicks go through (open, once the first segment is ready). */
    void kickFile(final IoFile f)
    {
        kickFile = f;
    }

    long flushesIssued()
    {
        return flushesIssued;
    }

    long bytesWritten()
    {
        return bytesWritten;
    }

    /** @return log bytes the flusher filled with padding frames at the end of tail blocks. Agent writes. */
    long paddedBytes()
    {
        return paddedBytes;
    }

    // ---------------------------------------------------------------------------------------------- kicks

    /**
     * Makes sure the flusher runs on the agent soon: one NOP through the ring at a time. Any thread; never throws
     * (an append that claimed its space must not fail after the fact) and never waits on the agent thread. When the
     * ring has no free slot (a submitter already waited {@code submitTimeoutNs}; the agent cannot wait at all), the
     * kick is handed to the log's preparer thread, which retries until the NOP is accepted or the log ends.
     */
    void kick()
    {
        if (!kickState.compareAndSet(0, 1))
        {
            return;
        }
        if (!tryKick() && !segments.execute(this::kickUntilAccepted))
        {
            kickState.set(0); // the log is closing: nothing left to flush for
        }
    }

    /** @return true when a NOP is on its way (or none is needed any more); false when the ring was full. */
    private boolean tryKick()
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            final IoFile f = kickFile;
            try
            {
                f.nop(KICK, this, 0);
                return true;
            }
            catch (final QueueFullException e)
            {
                return false;
            }
            catch (final IllegalStateException e)
            {
                // The file closed under us (an old segment, or the log closing): use the newest one, if any.
                if (f == kickFile)
                {
                    kickState.set(0);
                    return true;
                }
            }
        }
        kickState.set(0);
        return true;
    }

    /** The preparer's retry of a kick the ring had no room for: kickState stays 1 meanwhile (kicks coalesce). */
    private void kickUntilAccepted()
    {
        while (!state.closed.isDone() && !state.ring.isClosed())
        {
            if (tryKick())
            {
                return;
            }
            LockSupport.parkNanos(100_000);
        }
        kickState.set(0);
    }

    private static final IoHandler<LogFlusher> KICK = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final LogFlusher flusher, final long token)
        {
            flusher.kickState.set(0);
            flusher.work();
        }

        @Override
        public void failed(final IoFailure failure, final LogFlusher flusher, final long token)
        {
            flusher.kickState.set(0);
            flusher.work();
        }
    };

    private static final IoHandler<LogFlusher> WRITE_DONE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final LogFlusher flusher, final long token)
        {
            flusher.writeDone((int)token, null);
        }

        @Override
        public void failed(final IoFailure failure, final LogFlusher flusher, final long token)
        {
            flusher.writeDone((int)token, failure);
        }
    };

    private static final IoHandler<LogFlusher> SYNC_DONE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final LogFlusher flusher, final long token)
        {
            flusher.syncDone((int)token, null);
        }

        @Override
        public void failed(final IoFailure failure, final LogFlusher flusher, final long token)
        {
            flusher.syncDone((int)token, failure);
        }
    };

    // -------------------------------------------------------------------------------------------- the duty

    /** The flusher's duty: agent thread only. */
    void work()
    {
        committers.drain();
        if (state.failure != null)
        {
            committers.failAll(state.asIoFailure(state.failure));
            retireUnissuedBarriers();
            finishCloseIfDone();
            return;
        }
        retryBarriers();
        committers.completeBelow(state.durableLsn);
        closeOldSegments();
        if (!writeInFlight && flushCount < flushes.length)
        {
            scan();
            if (scanPos > coverIssued && (committers.hasPending() || state.spaceWanted || closing ||
                scanPos - coverIssued >= bufferBytes / 4))
            {
                issueFlush();
            }
        }
        finishCloseIfDone();
    }

    private void scan()
    {
        final long t = state.appendedEndLsn();
        long p = scanPos;
        while (p < t)
        {
            // acquire: pairs with the appender's release of the length; the frame's bytes are visible.
            final int length = (int)INT.getAcquire(buffer, (int)(p & bufferMask));
            if (length == 0)
            {
                break;
            }
            p += (length & PAD_FLAG) != 0 ? length & ~PAD_FLAG : LogFrameDescriptor.align(length);
        }
        scanPos = p;
    }

    /**
     * Ends the published log on a block boundary when the tail block is more than half full and no appender holds
     * a claim beyond what was scanned (see the class comment).
     */
    private void padTailBlock()
    {
        if (breakage == LogBreakage.NO_TAIL_PAD)
        {
            return;
        }
        final long blockBytes = state.blockBytes;
        final long p = scanPos;
        final long used = p & (blockBytes - 1);
        if (used <= blockBytes - used)
        {
            // empty, or at most half full: rewriting it next time costs no more than padding it now
            return;
        }
        final long blockEnd = p - used + blockBytes;
        // a block never crosses a segment end nor a buffer wrap (both are multiples of the block)
        if (blockEnd - state.freeLsn > bufferBytes || !state.tail.compareAndSet(p, blockEnd))
        {
            // no buffer space, or an appender claimed beyond scanPos (or the log closed): write as it is
            return;
        }
        LogAppender.writePad(state, padView, padCrc, p, blockEnd);
        scanPos = blockEnd;
        paddedBytes += blockEnd - p;
    }

    private void issueFlush()
    {
        padTailBlock();
        final int blockBytes = state.blockBytes;
        final long from = coverIssued & -(long)blockBytes;
        final long k = from / dataBytes;
        final long segmentEnd = (k + 1) * dataBytes;
        final long cover = Math.min(scanPos, segmentEnd);
        if (k != currentSegment)
        {
            final IoFile f = segments.file(k);
            if (f == null)
            {
                segments.requestPrepare(k);
                return;
            }
            if (dsync && !f.access().syncWrites())
            {
                // Never acknowledge a write that is not durable at completion (a storage that ignored the mode).
                state.poison(new IllegalStateException("segment file not opened O_DSYNC in DSYNC mode: segment=" + k +
                    " path=" + f.path()));
                return;
            }
            currentSegment = k;
            currentFile = f;
            kickFile = f;
            segments.requestPrepare(k + 1);
        }
        final long writeEnd = Math.min(segmentEnd, (cover + blockBytes - 1) & -(long)blockBytes);
        final int length = (int)(writeEnd - from);
        final int at = (int)(from & bufferMask);
        final long fileOffset = HEADER_BLOCK_BYTES + (from - k * dataBytes);
        final int slot = (flushHead + flushCount) % flushes.length;
        final Flush flush = flushes[slot];
        flush.cover = cover;
        flush.from = from;
        flush.writeEnd = writeEnd;
        flush.writeDone = false;
        flush.synced = false;
        flush.barrierIssued = false;
        flush.file = currentFile;
        try
        {
            if (at + length <= bufferBytes)
            {
                writeA.limit(at + length).position(at);
                flush.writeSeq = currentFile.write(fileOffset, writeA, WRITE_DONE, this, slot);
            }
            else
            {
                writeA.limit(bufferBytes).position(at);
                writeB.limit(length - (bufferBytes - at)).position(0);
                flush.writeSeq = currentFile.writev(fileOffset, writePair, WRITE_DONE, this, slot);
            }
        }
        catch (final QueueFullException e)
        {
            // Nothing issued. The ring may be full of other files' requests, whose completions do not run the
            // flusher: a kick (retried off the agent until the ring takes it) runs it again.
            kick();
            return;
        }
        catch (final RuntimeException e)
        {
            state.poison(e);
            return;
        }
        writeInFlight = true;
        flushCount++;
        coverIssued = cover;
        flushesIssued++;
        bytesWritten += length;
        state.spaceWanted = false;
        if (!dsync)
        {
            issueBarrier(flush, slot);
            return;
        }
        // O_DSYNC: the write is the whole flush; writeDone marks it synced.
        flush.barrierIssued = true;
        if (breakage == LogBreakage.ACK_ON_ISSUE && state.failure == null)
        {
            // Broken on purpose: acknowledged before the write completed.
            state.durableLsn = Math.max(state.durableLsn, cover);
            committers.completeBelow(state.durableLsn);
        }
    }

    private void issueBarrier(final Flush flush, final int slot)
    {
        try
        {
            // S = this flush's write: a barrier that is not held back by a later flush's write (rule 3).
            flush.file.barrierCovering(flush.writeSeq, BarrierMode.DATA, SYNC_DONE, this, slot);
            flush.barrierIssued = true;
        }
        catch (final QueueFullException e)
        {
            // retried by retryBarriers() on the flusher's next turn, which a kick makes sure of
            kick();
        }
        catch (final RuntimeException e)
        {
            state.poison(e);
        }
    }

    private void retryBarriers()
    {
        for (int i = 0; i < flushCount; i++)
        {
            final int slot = (flushHead + i) % flushes.length;
            if (!flushes[slot].barrierIssued)
            {
                issueBarrier(flushes[slot], slot);
            }
        }
    }

    /** Poisoned: flushes whose barrier could not be issued will never sync; let them go (nothing is acked). */
    private void retireUnissuedBarriers()
    {
        for (int i = 0; i < flushCount; i++)
        {
            final Flush flush = flushes[(flushHead + i) % flushes.length];
            if (!flush.barrierIssued)
            {
                flush.barrierIssued = true;
                flush.synced = true;
            }
        }
        advanceDurable();
    }

    private void writeDone(final int slot, final IoFailure error)
    {
        final Flush flush = flushes[slot];
        if (error != null && breakage != LogBreakage.IGNORE_ERRORS)
        {
            state.poison(error);
        }
        flush.writeDone = true;
        writeInFlight = false;
        // The buffer below the block holding the flush's end is no longer needed: zero it for the next lap.
        final long newFree = flush.cover & -(long)state.blockBytes;
        final long zeroEnd = Math.min(newFree, flush.writeEnd);
        for (long p = flush.from; p < zeroEnd; p += 8)
        {
            buffer.putLong((int)(p & bufferMask), 0L);
        }
        if (newFree > state.freeLsn)
        {
            // volatile write: the zeroing is visible before appenders may claim the space.
            state.freeLsn = newFree;
        }
        // DSYNC: durable now if it succeeded; if it failed the log is poisoned and advanceDurable acks nothing.
        if (breakage == LogBreakage.ACK_ON_WRITE || dsync)
        {
            flush.synced = true;
            advanceDurable();
        }
        work();
    }

    private void syncDone(final int slot, final IoFailure error)
    {
        if (error != null && breakage != LogBreakage.IGNORE_ERRORS)
        {
            state.poison(error);
        }
        flushes[slot].synced = true;
        advanceDurable();
        work();
    }

    private void advanceDurable()
    {
        while (flushCount > 0)
        {
            final Flush head = flushes[flushHead];
            if (!head.synced || !head.writeDone)
            {
                break;
            }
            if (state.failure == null && head.cover > state.durableLsn)
            {
                state.durableLsn = head.cover;
            }
            head.file = null;
            flushHead = (flushHead + 1) % flushes.length;
            flushCount--;
        }
    }

    /** Closes segment files entirely below the durable LSN, whose flushes are done. */
    private void closeOldSegments()
    {
        // Flushes in flight cover more than durableLsn, so none of them is on a segment below it.
        while (oldestOpenSegment < currentSegment && state.durableLsn >= (oldestOpenSegment + 1) * dataBytes)
        {
            segments.closeSegment(oldestOpenSegment);
            oldestOpenSegment++;
        }
    }

    // ---------------------------------------------------------------------------------------------- close

    /** Close's turn on the agent: flush up to {@code lastTail} (the tail when appends were refused). */
    void beginClose(final long lastTail)
    {
        finalTail = lastTail;
        closing = true;
        work();
    }

    /** Completes {@link LogState#closed} once closing and everything is durable, or the log failed. */
    private void finishCloseIfDone()
    {
        if (!closing || state.closed.isDone())
        {
            return;
        }
        if (state.failure != null)
        {
            if (!writeInFlight && flushCount == 0 || breakage != LogBreakage.NONE)
            {
                state.closed.completeExceptionally(state.asIoFailure(state.failure));
            }
            return;
        }
        if (scanPos >= finalTail && state.durableLsn >= scanPos && flushCount == 0)
        {
            state.closed.complete(null);
        }
        else if (scanPos < finalTail)
        {
            // An appender that claimed before close is still copying: look again soon.
            kick();
        }
    }

    /** @return the flusher's position, for a close that timed out (a racy read; messages only). */
    String describe()
    {
        return "scanPos=" + scanPos + " coverIssued=" + coverIssued + " finalTail=" + finalTail + " flushCount=" +
            flushCount + " writeInFlight=" + writeInFlight + " kickState=" + kickState.get() + " currentSegment=" +
            currentSegment;
    }
}
