package dev.pageio.core;

import dev.pageio.core.spi.Request;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

import java.util.concurrent.CompletableFuture;

/**
 * The one way a request ends, for its {@link RingAgent}: the counters and latency learn of it, its JFR event is
 * committed, the slot is freed first (so that the handler can submit again at once), then the handler runs, then a
 * pending cancel is answered, then the file's barrier state and request count learn of it. It also keeps the
 * pending cancel answers, by slot index, since freeing a slot is what answers them.
 *
 * <p>Threading: the ring agent only.
 */
final class RequestEnding
{
    private final RingAgent agent;
    private final String ringName;
    private final String engineName;
    private final RingCounters counters;
    /** Per-operation latencies, or null when the configuration does not ask for them. */
    private final LatencyRecorder latency;
    private final MpmcVarHandleArrayQueue<Slot> freeSlots;
    /** Pending cancel answers, by slot index. */
    private final CompletableFuture<CancelOutcome>[] cancels;

    @SuppressWarnings("unchecked") // the generic array of pending cancel answers
    RequestEnding(
        final RingAgent agent,
        final String ringName,
        final String engineName,
        final int slotCount,
        final MpmcVarHandleArrayQueue<Slot> freeSlots,
        final RingCounters counters,
        final LatencyRecorder latency)
    {
        this.agent = agent;
        this.ringName = ringName;
        this.engineName = engineName;
        this.freeSlots = freeSlots;
        this.counters = counters;
        this.latency = latency;
        this.cancels = (CompletableFuture<CancelOutcome>[])new CompletableFuture<?>[slotCount];
    }

    /** @return the cancel answer pending for slot {@code index}, or null. */
    CompletableFuture<CancelOutcome> pendingCancel(final int index)
    {
        return cancels[index];
    }

    /** Records a cancel asked of the backend for slot {@code index}, to be answered when the request ends. */
    void cancelPending(final int index, final CompletableFuture<CancelOutcome> answer)
    {
        cancels[index] = answer;
    }

    /**
     * The backend answered a cancel: a request in progress where it cannot be stopped completes normally later;
     * 0 (canceled) and ENOENT (no longer there) are answered when the request's own completion arrives.
     */
    void cancelResult(final Request request, final int result)
    {
        final CompletableFuture<CancelOutcome> answer = cancels[request.index];
        if (answer != null && result != 0 && result != -Errno.ENOENT)
        {
            cancels[request.index] = null;
            answer.complete(CancelOutcome.NOT_CANCELED);
        }
    }

    void fail(final Slot slot, final int errno, final String detail)
    {
        end(slot, 0, IoFailure.of(IoOp.of(slot.request.op), slot.file.pathText, slot.request.fd, slot.requestedOffset,
            slot.requestedLength, errno, detail, null));
    }

    void finish(final Slot slot, final long result)
    {
        end(slot, result, null);
    }

    /**
     * The one way a request ends: the slot is freed first (so that the handler can submit again at once), then the
     * handler runs, then a pending cancel is answered, then the file's barrier state and request count learn of it.
     */
    void end(final Slot slot, final long result, final IoFailure failure)
    {
        final FileState file = slot.file;
        final IoHandler<Object> handler = slot.handler;
        final Object attachment = slot.attachment;
        final long token = slot.token;
        final IoOp op = IoOp.of(slot.request.op);
        final boolean write = op.writes();
        final long seq = slot.writeSeq;
        final int fd = slot.request.fd;
        final long offset = slot.requestedOffset;
        final long length = slot.requestedLength;
        if (failure == null)
        {
            counters.increment(RingCounters.COMPLETED + op.ordinal());
            if (op.transfersData())
            {
                counters.add(write ? RingCounters.BYTES_WRITTEN : RingCounters.BYTES_READ, result);
            }
        }
        else
        {
            counters.increment(RingCounters.FAILED + op.ordinal());
        }
        if (latency != null)
        {
            latency.record(op, System.nanoTime() - slot.startNs);
        }
        final SlotEvents events = slot.events;
        if (events != null && events.begun())
        {
            endEvent(slot, events, op, result, failure);
        }
        final CompletableFuture<CancelOutcome> answer = free(slot);
        try
        {
            if (failure == null)
            {
                handler.completed(result, attachment, token);
            }
            else
            {
                handler.failed(failure, attachment, token);
            }
        }
        catch (final Throwable t)
        {
            agent.handlerThrew(t);
        }
        if (answer != null)
        {
            answer.complete(failure != null && failure.canceled() ? CancelOutcome.CANCELED : CancelOutcome.ALREADY_DONE);
        }
        if (write)
        {
            file.barriers.writeDone(seq, op, fd, offset, length, failure == null ? 0 : failure.errno(), agent);
        }
        else if (failure != null && op.syncs())
        {
            // a plain fsync may be the one that reports a writeback error: the file's barriers must learn of it
            file.barriers.plainSyncFailed(op, fd, failure.errno(), agent);
        }
        file.exit();
    }

    /** A barrier's sync completed ({@code result} 0 or -errno): its event, then the tracker. */
    void syncDone(final Slot slot, final long result)
    {
        final SlotEvents events = slot.events;
        if (events != null)
        {
            final BarrierTracker barriers = slot.file.barriers;
            final long covers = barriers.syncCovers(slot);
            events.endBarrierSync(slot.file.pathText, barriers.syncFull(slot), covers,
                Math.max(0, covers - barriers.durableData()), (int)-result, engineName, ringName);
        }
        slot.file.barriers.syncDone(slot, result, agent);
    }

    /**
     * Ends a request canceled while still in the submission queue (which cannot remove it): its handler runs now
     * with ECANCELED; the slot stays out of the pool until the agent drains it from the queue.
     */
    void endQueued(final Slot slot)
    {
        final FileState file = slot.file;
        final Request r = slot.request;
        final IoOp op = IoOp.of(r.op);
        final IoFailure failure = IoFailure.of(op, file.pathText, r.fd, slot.requestedOffset,
            slot.requestedLength, Errno.ECANCELED, "canceled while queued", null);
        final IoHandler<Object> handler = slot.handler;
        final Object attachment = slot.attachment;
        final long token = slot.token;
        counters.increment(RingCounters.SUBMITTED + op.ordinal());
        counters.increment(RingCounters.FAILED + op.ordinal());
        final SlotEvents events = slot.events;
        if (events != null && events.begun())
        {
            events.endRequest(op, file.pathText, slot.requestedOffset, slot.requestedLength, 0,
                Errno.ECANCELED, engineName, ringName);
        }
        slot.handler = null;
        slot.attachment = null;
        slot.file = null;
        try
        {
            handler.failed(failure, attachment, token);
        }
        catch (final Throwable t)
        {
            agent.handlerThrew(t);
        }
        if (op.writes())
        {
            file.barriers.writeDone(slot.writeSeq, op, r.fd, slot.requestedOffset, slot.requestedLength,
                Errno.ECANCELED, agent);
        }
        file.exit();
    }

    /** Commits the JFR event of a request that ends now (before its slot is freed and reused). */
    private void endEvent(final Slot slot, final SlotEvents events, final IoOp op, final long result,
        final IoFailure failure)
    {
        final int errno = failure == null ? 0 : failure.errno();
        if (op == IoOp.BARRIER)
        {
            final BarrierTracker barriers = slot.file.barriers;
            events.endBarrier(slot.file.pathText, slot.barrierMode, slot.barrierSeq, barriers.group(),
                barriers.syncs() - events.barrierSyncsBefore, errno, engineName, ringName);
            return;
        }
        events.endRequest(op, slot.file.pathText, slot.requestedOffset, slot.requestedLength,
            failure == null && op.transfersData() ? result : 0, errno, engineName, ringName);
    }

    /**
     * Frees the slot before the handler runs, so that the handler can submit again at once.
     *
     * @return the cancel answer that was pending for it, or null.
     */
    CompletableFuture<CancelOutcome> free(final Slot slot)
    {
        final int index = slot.index();
        final CompletableFuture<CancelOutcome> answer = cancels[index];
        cancels[index] = null;
        slot.clear();
        slot.nextGeneration();
        slot.setState(Slot.FREE);
        freeSlots.offer(slot);
        return answer;
    }

    /**
     * A short transfer resumes for the remainder: the kernel moves at most MAX_RW_COUNT (2 GiB - 4 KiB) per call
     * (fs/read_write.c), and a read is short only at end of file. On an O_DIRECT file a read that stopped on an
     * unaligned count is at end of file (the remainder would be misaligned); one that stopped on an aligned count
     * (4096, or the file's larger alignment) resumes, and the next read answers 0 there.
     *
     * @param op      the request's operation, which transfers data.
     * @param request the request, short by {@code result} bytes this time.
     * @param result  the bytes the last call moved, &gt; 0.
     * @return true when the request resumes for its remainder.
     */
    static boolean resumes(final IoOp op, final Request request, final long result)
    {
        return request.length > 0 && (op.writes() || !request.file.direct() ||
            result % Math.max(4096, request.file.offsetAlignment()) == 0);
    }
}
