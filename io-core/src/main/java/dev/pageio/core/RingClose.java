package dev.pageio.core;

import dev.pageio.core.spi.RequestOp;
import dev.pageio.core.spi.RingBackend;
import org.agrona.ErrorHandler;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The cancels and the close of one {@link RingAgent}: a user's cancel of one request, a file's close canceling its
 * reads, and the ring's close step by step (docs/DURABILITY.md rule 11; issue 11 items 7 and 8) with its forced end.
 * At the start of the close, requests that neither write nor sync (reads, no-ops) are canceled through the kernel:
 * nothing waits on them, and one may never end on its own (a read on a FIFO). Writes, syncs and barriers go on, so
 * that each file's closing barrier covers its writes. Half of {@code closeTimeoutNs} later, whatever is still in the
 * kernel is canceled too; at {@code closeTimeoutNs} what is left fails with ETIMEDOUT and the ring is freed. Between
 * steps the agent blocks in the kernel ({@link RingAgent#sleepInKernel()}): a close that waits does not spin.
 *
 * <p>Threading: the ring agent only.
 */
final class RingClose
{
    private final RingAgent agent;
    private final RequestEnding ending;
    private final RingBackend backend;
    private final Slot[] slots;
    private final MpscVarHandleArrayQueue<Slot> submissions;
    private final MpmcVarHandleArrayQueue<Slot> freeSlots;
    private final Collection<FileState> files;
    private final ErrorHandler errorHandler;
    private final long closeTimeoutNs;
    private boolean started;
    private long deadlineNs;
    private long cancelAllNs;
    private boolean canceledAll;

    RingClose(
        final RingAgent agent,
        final RequestEnding ending,
        final RingBackend backend,
        final Slot[] slots,
        final MpscVarHandleArrayQueue<Slot> submissions,
        final MpmcVarHandleArrayQueue<Slot> freeSlots,
        final Collection<FileState> files,
        final ErrorHandler errorHandler,
        final long closeTimeoutNs)
    {
        this.agent = agent;
        this.ending = ending;
        this.backend = backend;
        this.slots = slots;
        this.submissions = submissions;
        this.freeSlots = freeSlots;
        this.files = files;
        this.errorHandler = errorHandler;
        this.closeTimeoutNs = closeTimeoutNs;
    }

    /** @return true once the close has taken its first step. */
    boolean started()
    {
        return started;
    }

    /** Control command: a cancel for a slot in the given generation. */
    void cancel(final Slot slot, final long generation, final CompletableFuture<CancelOutcome> answer)
    {
        if (slot.generation() != generation || slot.state() == Slot.FREE || slot.state() == Slot.CANCELED)
        {
            answer.complete(CancelOutcome.ALREADY_DONE);
            return;
        }
        final int index = slot.index();
        final CompletableFuture<CancelOutcome> pending = ending.pendingCancel(index);
        if (pending != null)
        {
            pending.whenComplete((outcome, error) -> answer.complete(outcome));
            return;
        }
        if (slot.casState(Slot.QUEUED, Slot.CANCELED))
        {
            // Still in the submission queue (which cannot remove it): complete it now, free the slot when drained.
            ending.endQueued(slot);
            answer.complete(CancelOutcome.CANCELED);
            return;
        }
        if (agent.isRetry(slot))
        {
            // Between two kernel submissions: part of it may be done, so it completes normally.
            answer.complete(CancelOutcome.NOT_CANCELED);
            return;
        }
        ending.cancelPending(index, answer);
        backend.cancel(slot.request);
    }

    /**
     * Control command of a file's close ({@code IoFile.closeAsync()}): the file's requests in the kernel that
     * neither write nor sync are canceled through it (a read on a FIFO would otherwise hold the close for ever).
     */
    void cancelReadsOf(final FileState file)
    {
        cancelInKernel(file, false);
    }

    /**
     * One step of the ring's close (see the class comment).
     *
     * @return 1 when the step did work (the ring terminated), else 0.
     */
    int step()
    {
        final long now = System.nanoTime();
        if (!started)
        {
            started = true;
            deadlineNs = now + closeTimeoutNs;
            cancelAllNs = now + closeTimeoutNs / 2;
            cancelInKernel(null, false);
        }
        if (slotsInUse() == 0 && backend.inFlight() == 0 && submissions.isEmpty())
        {
            agent.terminate(null);
            return 1;
        }
        if (!canceledAll && now - cancelAllNs > 0)
        {
            canceledAll = true;
            cancelInKernel(null, true);
        }
        if (now - deadlineNs > 0)
        {
            agent.terminate("requests still in the kernel " + TimeUnit.NANOSECONDS.toMillis(closeTimeoutNs) +
                " ms after the close canceled them: inFlight=" + backend.inFlight() + " slotsInUse=" + slotsInUse());
            return 1;
        }
        return 0;
    }

    private int slotsInUse()
    {
        return slots.length - freeSlots.size();
    }

    /**
     * Asks the kernel to cancel the requests in it, of {@code file} (null: of every file): those that neither write
     * nor sync, or ({@code all}) every one.
     */
    private void cancelInKernel(final FileState file, final boolean all)
    {
        for (final Slot slot : slots)
        {
            if (slot.state() != Slot.ACTIVE || ending.pendingCancel(slot.index()) != null || agent.isRetry(slot) ||
                slot.request.op == RequestOp.BARRIER || (file != null && slot.file != file))
            {
                continue;
            }
            if (!all && (slot.carriesSync || slot.request.op.writes() || slot.request.op.syncs()))
            {
                continue;
            }
            ending.cancelPending(slot.index(), new CompletableFuture<>());
            try
            {
                backend.cancel(slot.request);
            }
            catch (final RuntimeException e)
            {
                errorHandler.onError(e);
            }
        }
    }

    /**
     * A forced end of the close: every request not ended fails with ETIMEDOUT (barriers with it too), after the
     * backend is closed, so that no handler runs while the kernel may still use its buffer.
     */
    void failLeftovers(final String problem)
    {
        for (final Slot slot : slots)
        {
            failLeftover(slot, problem);
        }
        // a barrier's sync queued for submission (by the failures above, or before) will never be submitted now
        Slot slot;
        while ((slot = agent.pollRetry()) != null)
        {
            failLeftover(slot, problem);
        }
        for (final FileState file : files)
        {
            file.barriers.abortWaiting(IoFailure.of(IoOp.BARRIER, file.pathText, file.access.fd(), 0, 0,
                Errno.ETIMEDOUT, "ring closed: " + problem, null), agent);
        }
    }

    private void failLeftover(final Slot slot, final String problem)
    {
        if (slot.state() != Slot.ACTIVE || slot.file == null)
        {
            return;
        }
        if (slot.carriesSync)
        {
            slot.file.barriers.syncDone(slot, -Errno.ETIMEDOUT, agent);
        }
        else if (slot.request.op != RequestOp.BARRIER)
        {
            ending.fail(slot, Errno.ETIMEDOUT, "ring closed: " + problem);
        }
    }
}
