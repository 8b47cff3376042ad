package dev.pageio.core;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.IdleStrategy;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The duty cycle of one ring: run control commands (cancel), drain the submission queue into the backend,
 * submit once per batch, reap completions, finish requests (resubmitting short transfers, EINTR and EAGAIN) and
 * run their handlers. Owned by one thread: the ring's agent thread, or the caller of {@link IoRing#poll()}.
 *
 * <p>Sleeping: after {@code sleepAfterIdleNs} without work the agent sets {@link #sleeping}, looks at the
 * queues once more, and blocks in {@link RingBackend#await}. A submitter offers first and reads
 * {@link #sleeping} after; the agent writes it first and reads the queues after. Both are volatile accesses,
 * so one of the two sees the other: no wakeup is lost (Dekker's pattern).
 */
final class RingAgent implements CompletionSink, BarrierTracker.Sink
{
    private static final VarHandle SLEEPING;
    private static final long AWAIT_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    static
    {
        try
        {
            SLEEPING = MethodHandles.lookup().findVarHandle(RingAgent.class, "sleeping", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IoRing ring;
    private final RingBackend backend;
    private final MpscVarHandleArrayQueue<Request> submissions;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> control;
    private final MpmcVarHandleArrayQueue<Request> freeSlots;
    private final Request[] slots;
    private final IdleStrategy idleStrategy;
    private final long sleepAfterIdleNs;
    private final ErrorHandler errorHandler;
    private final int batchMax;

    /** Requests to hand to the backend again (short transfers, EINTR, EAGAIN, or refused when it was full). */
    private final Request[] retries;
    private int retryCount;
    /** Pending cancel answers, by slot index. */
    private final CompletableFuture<CancelOutcome>[] cancels;

    @SuppressWarnings("unused") // through SLEEPING
    private volatile int sleeping;
    volatile boolean paused;
    volatile boolean closing;
    private boolean closeStarted;
    private long closeDeadlineNs;
    private boolean terminated;

    @SuppressWarnings("unchecked")
    RingAgent(
        final IoRing ring,
        final RingConfig config,
        final RingBackend backend,
        final MpscVarHandleArrayQueue<Request> submissions,
        final MpscUnboundedVarHandleArrayQueue<Runnable> control,
        final MpmcVarHandleArrayQueue<Request> freeSlots,
        final Request[] slots)
    {
        this.ring = ring;
        this.backend = backend;
        this.submissions = submissions;
        this.control = control;
        this.freeSlots = freeSlots;
        this.slots = slots;
        this.idleStrategy = config.newIdleStrategy();
        this.sleepAfterIdleNs = config.sleepAfterIdleNs();
        this.errorHandler = config.errorHandler();
        this.batchMax = Math.min(config.submitBatchMax(), slots.length);
        this.retries = new Request[slots.length];
        this.cancels = new CompletableFuture[slots.length];
    }

    /** The dedicated thread's loop. */
    void run()
    {
        long idleSinceNs = 0;
        while (!terminated)
        {
            int work;
            try
            {
                work = doWork();
            }
            catch (final Throwable t)
            {
                errorHandler.onError(t);
                work = 1;
            }
            if (work > 0)
            {
                idleStrategy.reset();
                idleSinceNs = 0;
                continue;
            }
            final long now = System.nanoTime();
            if (idleSinceNs == 0)
            {
                idleSinceNs = now;
            }
            if (now - idleSinceNs >= sleepAfterIdleNs)
            {
                sleep();
                idleSinceNs = 0;
                idleStrategy.reset();
            }
            else
            {
                idleStrategy.idle();
            }
        }
    }

    private void sleep()
    {
        SLEEPING.setVolatile(this, 1);
        // Look again after announcing the sleep: a submitter that offered before it saw 0 will not wake us.
        if ((paused || submissions.isEmpty()) && control.isEmpty() && !closing && retryCount == 0)
        {
            try
            {
                backend.await(AWAIT_NS);
            }
            catch (final Throwable t)
            {
                errorHandler.onError(t);
            }
        }
        SLEEPING.setVolatile(this, 0);
    }

    /** Any thread, after publishing work: wakes the agent if it sleeps in the kernel (one wakeup per sleep). */
    void wakeIfSleeping()
    {
        if ((int)SLEEPING.getVolatile(this) == 1 && SLEEPING.compareAndSet(this, 1, 0))
        {
            backend.wakeup();
        }
    }

    /** One duty cycle. */
    int doWork()
    {
        if (terminated)
        {
            return 0;
        }
        int work = runControl();
        work += prepareAndSubmit();
        work += backend.reap(this);
        if (closing)
        {
            work += closeStep();
        }
        return work;
    }

    private int runControl()
    {
        int n = 0;
        Runnable command;
        while ((command = control.relaxedPoll()) != null)
        {
            try
            {
                command.run();
            }
            catch (final Throwable t)
            {
                errorHandler.onError(t);
            }
            n++;
        }
        return n;
    }

    private int prepareAndSubmit()
    {
        int prepared = 0;
        int handled = 0;
        boolean full = false;
        while (retryCount > 0)
        {
            final Request r = retries[retryCount - 1];
            if (closing && r.transferred == 0 && !r.carriesSync)
            {
                retryCount--;
                fail(r, Errno.ECANCELED, "ring closed");
                handled++;
                continue;
            }
            final int accepted = prepare(r);
            if (accepted == 0)
            {
                full = true;
                break;
            }
            retries[--retryCount] = null;
            if (accepted < 0)
            {
                refused(r);
                continue;
            }
            prepared++;
        }
        while (!full && (!paused || closing) && prepared < batchMax)
        {
            final Request r = submissions.relaxedPoll();
            if (r == null)
            {
                break;
            }
            handled++;
            if (!r.casState(Request.QUEUED, Request.ACTIVE))
            {
                // Canceled while queued: its handler already ran; only the slot comes back now.
                freeSlot(r);
                continue;
            }
            if (closing)
            {
                fail(r, Errno.ECANCELED, "ring closed");
                continue;
            }
            if (r.op == IoOp.BARRIER)
            {
                ((IoFile)r.owner).barriers.arrive(r, this);
                continue;
            }
            if (r.op.transfersData() && r.length == 0)
            {
                finish(r, 0);
                continue;
            }
            final int accepted = prepare(r);
            if (accepted == 0)
            {
                retries[retryCount++] = r;
                full = true;
                break;
            }
            if (accepted < 0)
            {
                refused(r);
                continue;
            }
            prepared++;
        }
        if (prepared > 0)
        {
            backend.submit();
        }
        return prepared + handled;
    }

    private RuntimeException prepareError;

    /** @return 1 when the backend took the request, 0 when it is full, -1 when it threw (see {@link #refused}). */
    private int prepare(final Request r)
    {
        try
        {
            return backend.prepare(r) ? 1 : 0;
        }
        catch (final RuntimeException e)
        {
            prepareError = e;
            return -1;
        }
    }

    /** A backend refused a request by throwing: the request fails (EINVAL) rather than being lost. */
    private void refused(final Request r)
    {
        final RuntimeException e = prepareError;
        prepareError = null;
        errorHandler.onError(e);
        if (r.carriesSync)
        {
            ((IoFile)r.owner).barriers.syncDone(r, -Errno.EINVAL, this);
            return;
        }
        fail(r, Errno.EINVAL, "engine " + backend.name() + " refused the request: " + e.getMessage());
    }

    // ------------------------------------------------------------------------------------------ completions

    @Override
    public void complete(final Request r, final long result)
    {
        if (r.carriesSync)
        {
            if (result == -Errno.EINTR || result == -Errno.EAGAIN)
            {
                retries[retryCount++] = r;
                return;
            }
            ((IoFile)r.owner).barriers.syncDone(r, result, this);
            return;
        }
        if (result < 0)
        {
            final int errno = (int)-result;
            if ((errno == Errno.EINTR || errno == Errno.EAGAIN) && !closing)
            {
                retries[retryCount++] = r;
                return;
            }
            fail(r, errno, null);
            return;
        }
        if (r.op.transfersData())
        {
            if (result == 0 || result > r.length)
            {
                if (result > r.length || (r.op.writes() && r.length > 0))
                {
                    fail(r, Errno.EIO, result == 0 ? "write made no progress" : "kernel reported more bytes than asked: " + result);
                }
                else
                {
                    finish(r, r.transferred);
                }
                return;
            }
            r.advance(result);
            // A short read on an O_DIRECT file is end of file: the remainder would be misaligned.
            if (r.length > 0 && !(r.file.direct() && !r.op.writes()))
            {
                retries[retryCount++] = r;
                return;
            }
            finish(r, r.transferred);
            return;
        }
        finish(r, 0);
    }

    @Override
    public void cancelResult(final Request r, final int result)
    {
        final CompletableFuture<CancelOutcome> answer = cancels[r.index];
        if (answer != null && result != 0 && result != -Errno.ENOENT)
        {
            // In progress where it cannot be stopped: it completes normally later.
            cancels[r.index] = null;
            answer.complete(CancelOutcome.NOT_CANCELED);
        }
        // 0 (canceled) and ENOENT (no longer there) are answered when the request's own completion arrives.
    }

    /** Control command: a cancel for a slot in the given generation. */
    void cancel(final Request r, final long generation, final CompletableFuture<CancelOutcome> answer)
    {
        if (r.generation() != generation || r.state() == Request.FREE || r.state() == Request.CANCELED)
        {
            answer.complete(CancelOutcome.ALREADY_DONE);
            return;
        }
        if (cancels[r.index] != null)
        {
            cancels[r.index].whenComplete((outcome, error) -> answer.complete(outcome));
            return;
        }
        if (r.casState(Request.QUEUED, Request.CANCELED))
        {
            // Still in the submission queue (which cannot remove it): complete it now, free the slot when drained.
            final IoFile file = (IoFile)r.owner;
            final IoFailure failure = IoFailure.of(r.op, file.pathText(), r.fd, r.requestedOffset, r.requestedLength,
                Errno.ECANCELED, "canceled while queued", null);
            final IoHandler<Object> handler = r.handler;
            final Object attachment = r.attachment;
            final long token = r.token;
            r.handler = null;
            r.attachment = null;
            r.owner = null;
            try
            {
                handler.failed(failure, attachment, token);
            }
            catch (final Throwable t)
            {
                errorHandler.onError(t);
            }
            if (r.op.writes())
            {
                file.barriers.writeDone(r.writeSeq, r.op, r.fd, r.requestedOffset, r.requestedLength, Errno.ECANCELED, this);
            }
            file.exit();
            answer.complete(CancelOutcome.CANCELED);
            return;
        }
        for (int i = 0; i < retryCount; i++)
        {
            if (retries[i] == r)
            {
                // Between two kernel submissions: part of it may be done, so it completes normally.
                answer.complete(CancelOutcome.NOT_CANCELED);
                return;
            }
        }
        cancels[r.index] = answer;
        backend.cancel(r);
    }

    private void fail(final Request r, final int errno, final String detail)
    {
        final IoFile file = (IoFile)r.owner;
        failWith(r, IoFailure.of(r.op, file.pathText(), r.fd, r.requestedOffset, r.requestedLength, errno, detail, null));
    }

    private void failWith(final Request r, final IoFailure failure)
    {
        end(r, 0, failure);
    }

    private void finish(final Request r, final long result)
    {
        end(r, result, null);
    }

    /**
     * The one way a request ends: the slot is freed first (so that the handler can submit again at once), then the
     * handler runs, then a pending cancel is answered, then the file's barrier state and request count learn of it.
     */
    private void end(final Request r, final long result, final IoFailure failure)
    {
        final IoFile file = (IoFile)r.owner;
        final IoHandler<Object> handler = r.handler;
        final Object attachment = r.attachment;
        final long token = r.token;
        final boolean write = r.op.writes();
        final long seq = r.writeSeq;
        final IoOp op = r.op;
        final int fd = r.fd;
        final long offset = r.requestedOffset;
        final long length = r.requestedLength;
        final CompletableFuture<CancelOutcome> answer = freeSlot(r);
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
            errorHandler.onError(t);
        }
        if (answer != null)
        {
            answer.complete(failure != null && failure.canceled() ? CancelOutcome.CANCELED : CancelOutcome.ALREADY_DONE);
        }
        if (write)
        {
            file.barriers.writeDone(seq, op, fd, offset, length, failure == null ? 0 : failure.errno(), this);
        }
        else if (failure != null && op.syncs())
        {
            // a plain fsync may be the one that reports a writeback error: the file's barriers must learn of it
            file.barriers.plainSyncFailed(op, fd, failure.errno(), this);
        }
        file.exit();
    }

    // ---------------------------------------------------------------------------------------------- barriers

    @Override
    public void barrierSucceeded(final Request barrier)
    {
        finish(barrier, barrier.barrierSeq);
    }

    @Override
    public void barrierFailed(final Request barrier, final IoFailure cause)
    {
        failWith(barrier, cause);
    }

    @Override
    public void issueSync(final Request carrier)
    {
        carrier.length = 0;
        retries[retryCount++] = carrier;
    }

    /** Frees the slot before the handler runs, so that the handler can submit again at once. */
    private CompletableFuture<CancelOutcome> freeSlot(final Request r)
    {
        final CompletableFuture<CancelOutcome> answer = cancels[r.index];
        cancels[r.index] = null;
        r.clear();
        r.nextGeneration();
        r.setState(Request.FREE);
        freeSlots.offer(r);
        return answer;
    }

    // ------------------------------------------------------------------------------------------------- close

    private int closeStep()
    {
        if (!closeStarted)
        {
            closeStarted = true;
            closeDeadlineNs = System.nanoTime() + CLOSE_TIMEOUT_NS;
            for (final IoFile file : ring.openFiles())
            {
                file.barriers.abortWaiting(IoFailure.of(IoOp.BARRIER, file.pathText(), file.access().fd(), 0, 0,
                    Errno.ECANCELED, "ring closed", null), this);
            }
            for (final Request r : slots)
            {
                if (r.state() == Request.ACTIVE && cancels[r.index] == null && !isRetry(r))
                {
                    cancels[r.index] = new CompletableFuture<>();
                    backend.cancel(r);
                }
            }
        }
        if (ring.slotsInUse() == 0 && backend.inFlight() == 0 && submissions.isEmpty())
        {
            terminate(null);
            return 1;
        }
        if (System.nanoTime() - closeDeadlineNs > 0)
        {
            terminate("requests still in flight after " + TimeUnit.NANOSECONDS.toSeconds(CLOSE_TIMEOUT_NS) +
                " s: inFlight=" + backend.inFlight() + " slotsInUse=" + ring.slotsInUse());
            return 1;
        }
        return 0;
    }

    private boolean isRetry(final Request r)
    {
        for (int i = 0; i < retryCount; i++)
        {
            if (retries[i] == r)
            {
                return true;
            }
        }
        return false;
    }

    void terminate(final String problem)
    {
        if (terminated)
        {
            return;
        }
        terminated = true;
        if (problem != null)
        {
            errorHandler.onError(new IllegalStateException("ring close: " + problem + " ring=" + ring));
        }
        try
        {
            backend.close();
        }
        catch (final Throwable t)
        {
            errorHandler.onError(t);
        }
        ring.onTerminated();
    }
}
