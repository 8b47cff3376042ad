package dev.pageio.core;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentTerminationException;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The duty cycle of one ring: run control commands (cancel), drain the submission queue into the backend,
 * submit once per batch, reap completions, finish requests (resubmitting short transfers, EINTR and EAGAIN) and
 * run their handlers. An Agrona {@link Agent}: {@link RingDriver} runs it on the ring's own thread
 * ({@code AgentRunner}) or in the caller's polls ({@code AgentInvoker}). It is given the slot table, the queues,
 * the open files' {@link FileState}s and a termination callback, and knows nothing of the API objects. Two rooms
 * of its own: {@link RequestEnding}, the one way a request ends (and the pending cancel answers), and
 * {@link RingClose}, the cancels and the close's steps.
 *
 * <p>Sleeping: after {@code sleepAfterIdleNs} without work (or at once, when its adaptive spin expects the
 * completion to take longer), {@link RingIdleStrategy} calls {@link #sleepInKernel()},
 * which sets {@link #sleeping}, looks at the queues once more, and blocks in {@link RingBackend#await}. A submitter
 * offers first and reads {@link #sleeping} after; the agent writes it first and reads the queues after. Both are
 * volatile accesses, so one of the two sees the other: no wakeup is lost (Dekker's pattern).
 */
final class RingAgent implements Agent, CompletionSink, BarrierTracker.Sink, RingIdleStrategy.Sleeper
{
    private static final VarHandle SLEEPING;
    private static final long AWAIT_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final int PREPARED = 1;
    private static final int FULL = 0;
    private static final int REFUSED = -1;

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

    private final String roleName;
    private final String ringName;
    private final String engineName;
    private final RingBackend backend;
    private final RingCounters counters;
    private final MpscVarHandleArrayQueue<Slot> submissions;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> control;
    private final Slot[] slots;
    private final Runnable onTerminated;
    private final ErrorHandler errorHandler;
    private final int batchMax;
    /** {@link RingBackend#submitsInAwait()}: a sleep may carry the submission. */
    private final boolean submitsInAwait;
    /** The dedicated thread's idle strategy, or null (CALLER): says when the next wait sleeps at once. */
    private RingIdleStrategy idleStrategy;

    /** Requests to hand to the backend again (short transfers, EINTR, EAGAIN, or refused when it was full). */
    private final Slot[] retries;
    private int retryCount;
    /** The one way a request ends; it keeps the pending cancel answers. */
    private final RequestEnding ending;
    /** The cancels and the close's steps. */
    private final RingClose close;

    @SuppressWarnings("unused") // through SLEEPING
    private volatile int sleeping;
    private volatile boolean paused;
    private boolean deferredSubmit;
    private volatile boolean closing;
    private boolean terminated;
    /** The clock of the slots' JFR events, once JFR is initialized ({@link IoRing#enableEvents()}); else null. */
    private EventClock eventClock;
    /** The VirtualMachineError a handler threw: the ring closed itself (agent thread; read after termination). */
    private volatile Throwable fatal;
    private final Runnable onFatal;

    /** {@code slots} is indexed by {@code Request.index}; {@code files} is a live view; {@code onTerminated} runs once. */
    RingAgent(
        final RingConfig config,
        final RingBackend backend,
        final Slot[] slots,
        final MpscVarHandleArrayQueue<Slot> submissions,
        final MpmcVarHandleArrayQueue<Slot> freeSlots,
        final Collection<FileState> files,
        final Runnable onTerminated,
        final RingCounters counters,
        final LatencyRecorder latency,
        final Runnable onFatal)
    {
        this.onFatal = onFatal;
        this.roleName = config.name() + "-" + backend.name();
        this.ringName = config.name();
        this.engineName = backend.name();
        this.backend = backend;
        this.counters = counters;
        this.submissions = submissions;
        this.control = new MpscUnboundedVarHandleArrayQueue<>(64);
        this.slots = slots;
        this.onTerminated = onTerminated;
        this.errorHandler = config.errorHandler();
        this.batchMax = Math.min(config.submitBatchMax(), slots.length);
        this.submitsInAwait = backend.submitsInAwait();
        this.retries = new Slot[slots.length];
        this.ending = new RequestEnding(this, ringName, engineName, slots.length, freeSlots, counters, latency);
        this.close = new RingClose(this, ending, backend, slots, submissions, freeSlots, files, errorHandler,
            config.closeTimeoutNs());
    }

    /** Set once by {@link RingDriver} before the agent's thread starts. */
    void idleStrategy(final RingIdleStrategy idleStrategy)
    {
        this.idleStrategy = idleStrategy;
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    @Override
    public void onClose()
    {
        // Stopped from outside before the close finished (e.g. the runner was closed): free the backend anyway.
        terminate(null);
    }

    /**
     * Called by {@link RingIdleStrategy} after {@code sleepAfterIdleNs} without work, or at once when its adaptive
     * spin expects a longer wait: blocks in the kernel until a completion, a wakeup or {@link #AWAIT_NS}, unless work
     * arrived meanwhile.
     */
    @Override
    public void sleepInKernel()
    {
        SLEEPING.setVolatile(this, 1);
        // Look again after announcing the sleep: a submitter that offered before it saw 0 will not wake us.
        // A close under way sleeps too, between its steps (closeStep): waiting for the kernel must not spin.
        if (((paused && !closing) || submissions.isEmpty()) && control.isEmpty() && (!closing || close.started()) &&
            retryCount == 0)
        {
            counters.increment(RingCounters.AGENT_SLEEPS);
            try
            {
                backend.await(AWAIT_NS);
            }
            catch (final Throwable t)
            {
                errorHandler.onError(t);
            }
        }
        // 0 already: a submitter won wakeIfSleeping's CAS, so it makes (or made) exactly one wakeup call
        if ((int)SLEEPING.getAndSet(this, 0) == 0)
        {
            counters.increment(RingCounters.WAKEUPS);
        }
    }

    /** Agent thread: requests the backend handed to the kernel and has not reaped, for {@link RingIdleStrategy}. */
    @Override
    public int requestsInFlight()
    {
        return backend.inFlight();
    }

    /** Any thread, after publishing work: wakes the agent if it sleeps in the kernel (one wakeup per sleep). */
    void wakeIfSleeping()
    {
        if ((int)SLEEPING.getVolatile(this) == 1 && SLEEPING.compareAndSet(this, 1, 0))
        {
            backend.wakeup();
        }
    }

    /** Any thread: runs {@code command} on the agent during its next duty cycle. */
    void execute(final Runnable command)
    {
        control.offer(command);
        wakeIfSleeping();
    }

    /** Any thread: holds (true) or releases (false) queued requests. */
    void paused(final boolean paused)
    {
        this.paused = paused;
        wakeIfSleeping();
    }

    /** Any thread: starts the close (queued requests fail, in-flight ones are canceled), once. */
    void startClose()
    {
        closing = true;
        wakeIfSleeping();
    }

    /**
     * One duty cycle.
     *
     * @throws AgentTerminationException once the ring has shut down, so that the runner stops.
     */
    @Override
    public int doWork()
    {
        if (terminated)
        {
            throw new AgentTerminationException("ring terminated: " + roleName);
        }
        final EventClock clock = eventClock;
        if (clock != null)
        {
            clock.cycle();
        }
        int work = runControl();
        final int prepared = prepareAndSubmit();
        work += prepared;
        final int reaped = backend.reap(this);
        work += reaped;
        if (deferredSubmit)
        {
            submitDeferred(reaped);
        }
        if (closing)
        {
            work += close.step();
        }
        return work;
    }

    /** Agent: the slots' events have this clock from now on. */
    void eventClock(final EventClock clock)
    {
        eventClock = clock;
    }

    /** Agent: the clock of the slots' JFR events, or null before JFR was initialized (tests). */
    EventClock eventClock()
    {
        return eventClock;
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
                handlerThrew(t);
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
            final Slot slot = retries[--retryCount];
            retries[retryCount] = null;
            if (closing && slot.transferred == 0 && !slot.carriesSync)
            {
                ending.fail(slot, Errno.ECANCELED, closedReason());
                handled++;
                continue;
            }
            final int outcome = prepare(slot);
            if (outcome == FULL)
            {
                retries[retryCount++] = slot; // back on top, where it was
                full = true;
                break;
            }
            if (outcome == PREPARED)
            {
                prepared++;
            }
        }
        while (!full && (!paused || closing) && prepared < batchMax)
        {
            final Slot slot = submissions.relaxedPoll();
            if (slot == null)
            {
                break;
            }
            handled++;
            if (!slot.casState(Slot.QUEUED, Slot.ACTIVE))
            {
                // Canceled while queued: its handler already ran; only the slot comes back now.
                ending.free(slot);
                continue;
            }
            final IoOp op = IoOp.of(slot.request.op);
            counters.increment(RingCounters.SUBMITTED + op.ordinal());
            if (op == IoOp.BARRIER)
            {
                // also while closing: a file's closing barrier is how the ring's close keeps rule 11
                final SlotEvents events = slot.events;
                if (events != null && events.begun())
                {
                    events.barrierSyncsBefore = slot.file.barriers.syncs();
                }
                slot.file.barriers.arrive(slot, this);
                continue;
            }
            if (closing)
            {
                ending.fail(slot, Errno.ECANCELED, closedReason());
                continue;
            }
            if (op.transfersData() && slot.request.length == 0)
            {
                ending.finish(slot, 0);
                continue;
            }
            final int outcome = prepare(slot);
            if (outcome == FULL)
            {
                retries[retryCount++] = slot;
                full = true;
                break;
            }
            if (outcome == PREPARED)
            {
                prepared++;
            }
        }
        if (prepared > 0)
        {
            counters.increment(RingCounters.BATCHES);
            counters.add(RingCounters.BATCHED_REQUESTS, prepared);
            if (!full && submitsInAwait && idleStrategy != null && !closing && idleStrategy.sleepsAtOnceNext())
            {
                // issue 16 item 3: the agent will block for the completion at once: one io_uring_enter for both
                deferredSubmit = true;
            }
            else
            {
                backend.submit();
            }
        }
        return prepared + handled;
    }

    /**
     * The batch prepared in this duty cycle was left for the sleep: sleeps now, in the same duty cycle, if nothing
     * else is to be done (the await submits and waits in one system call), else submits it at once. So a deferred
     * batch never outlives its duty cycle.
     */
    private void submitDeferred(final int reaped)
    {
        deferredSubmit = false;
        if (reaped == 0 && submissions.isEmpty() && control.isEmpty() && retryCount == 0 && !closing)
        {
            idleStrategy.sleepingAtOnce();
            sleepInKernel();
        }
        // nothing left (no system call) when the await submitted the batch; else (work came, or sleepInKernel saw
        // work arrive and skipped the await) the batch goes now, not a duty cycle later
        backend.submit();
    }

    /**
     * Offers a request to the backend. A backend that throws breaks {@link RingBackend#prepare}'s bad-request rule;
     * the request still ends (EINVAL) rather than being lost, and the exception goes to the error handler.
     *
     * @return {@link #PREPARED}, {@link #FULL} or {@link #REFUSED}.
     */
    private int prepare(final Slot slot)
    {
        try
        {
            return backend.prepare(slot.request) ? PREPARED : FULL;
        }
        catch (final RuntimeException e)
        {
            refused(slot, e);
            return REFUSED;
        }
    }

    /** A backend refused a request by throwing: the request fails (EINVAL) rather than being lost. */
    private void refused(final Slot slot, final RuntimeException e)
    {
        errorHandler.onError(e);
        if (slot.carriesSync)
        {
            ending.syncDone(slot, -Errno.EINVAL);
            return;
        }
        ending.fail(slot, Errno.EINVAL, "engine " + backend.name() + " refused the request: " + e.getMessage());
    }

    @Override
    public void complete(final Request request, final long result)
    {
        final Slot slot = slots[request.index];
        if (slot.carriesSync)
        {
            if (result == -Errno.EINTR || result == -Errno.EAGAIN)
            {
                retries[retryCount++] = slot;
                return;
            }
            ending.syncDone(slot, result);
            return;
        }
        if (result < 0)
        {
            final int errno = (int)-result;
            if ((errno == Errno.EINTR || errno == Errno.EAGAIN) && !closing)
            {
                retries[retryCount++] = slot;
                return;
            }
            ending.fail(slot, errno, null);
            return;
        }
        final IoOp op = IoOp.of(request.op);
        if (op.transfersData())
        {
            if (result == 0 || result > request.length)
            {
                if (result > request.length || (op.writes() && request.length > 0))
                {
                    ending.fail(slot, Errno.EIO, result == 0 ? "write made no progress" : "kernel reported more bytes than asked: " + result);
                }
                else
                {
                    ending.finish(slot, slot.transferred);
                }
                return;
            }
            slot.advance(result);
            // A short transfer resumes for the remainder: the kernel moves at most MAX_RW_COUNT (2 GiB - 4 KiB)
            // per call (fs/read_write.c), and a read is short only at end of file. On an O_DIRECT file a read
            // that stopped on an unaligned count is at end of file (the remainder would be misaligned); one that
            // stopped on an aligned count resumes, and the next read answers 0 there.
            if (request.length > 0 && (op.writes() || !request.file.direct() || directAligned(request.file, result)))
            {
                retries[retryCount++] = slot;
                return;
            }
            ending.finish(slot, slot.transferred);
            return;
        }
        ending.finish(slot, 0);
    }

    /** @return true when {@code bytes} keeps an O_DIRECT transfer aligned (4096, or the file's larger alignment). */
    private static boolean directAligned(final FileAccess file, final long bytes)
    {
        final long alignment = Math.max(4096, file.offsetAlignment());
        return bytes % alignment == 0;
    }

    @Override
    public void cancelResult(final Request request, final int result)
    {
        ending.cancelResult(request, result);
    }

    /** Control command: a cancel for a slot in the given generation. */
    void cancel(final Slot slot, final long generation, final CompletableFuture<CancelOutcome> answer)
    {
        close.cancel(slot, generation, answer);
    }

    /**
     * Control command of a file's close ({@code IoFile.closeAsync()}): the file's requests in the kernel that
     * neither write nor sync are canceled through it (a read on a FIFO would otherwise hold the close for ever).
     */
    void cancelReadsOf(final FileState file)
    {
        close.cancelReadsOf(file);
    }

    /**
     * A handler (or a command run on the agent) threw. An exception goes to the error handler and the ring goes
     * on. A {@link VirtualMachineError} (OutOfMemoryError, StackOverflowError, InternalError…) means the JVM may
     * be in no state to go on: it goes to the error handler too, and the ring fails safe: it closes itself
     * (new requests refused with {@link ClosedRingException}, queued ones fail with ECANCELED naming the error,
     * the close's steps as for {@link IoRing#close()}).
     */
    void handlerThrew(final Throwable t)
    {
        try
        {
            errorHandler.onError(t);
        }
        catch (final Throwable ignore)
        {
            // the error handler itself failed (no memory to report?): failing safe below matters more
        }
        if (t instanceof VirtualMachineError && fatal == null)
        {
            fatal = t;
            onFatal.run();
            closing = true;
        }
    }

    private String closedReason()
    {
        final Throwable f = fatal;
        return f == null ? "ring closed" : "ring closed: a handler threw " + f;
    }

    /** @return the VirtualMachineError a handler threw, which closed the ring, or null. */
    Throwable fatal()
    {
        return fatal;
    }

    @Override
    public void barrierSucceeded(final Slot barrier)
    {
        // A user's fsync/fdatasync answers 0, as fsync(2) and aio_return do; a barrier its covered seq.
        ending.finish(barrier, barrier.forcedSync ? 0 : barrier.barrierSeq);
    }

    @Override
    public void barrierFailed(final Slot barrier, final IoFailure cause)
    {
        ending.end(barrier, 0, cause);
    }

    @Override
    public void issueSync(final Slot carrier)
    {
        counters.increment(RingCounters.SYNCS_ISSUED);
        if (carrier.events != null)
        {
            carrier.events.beginBarrierSync();
        }
        carrier.request.length = 0;
        retries[retryCount++] = carrier;
    }

    /** @return the next request waiting to be handed to the backend again, taken off the stack, or null. */
    Slot pollRetry()
    {
        if (retryCount == 0)
        {
            return null;
        }
        final Slot slot = retries[--retryCount];
        retries[retryCount] = null;
        return slot;
    }

    /** @return true when {@code slot} waits to be handed to the backend again. */
    boolean isRetry(final Slot slot)
    {
        for (int i = 0; i < retryCount; i++)
        {
            if (retries[i] == slot)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * The agent's last step: closes the backend and runs the termination callback, once. Called by the agent, or
     * by the driver of a CALLER ring whose close timed out while nobody polled.
     *
     * @param problem why the close is forced, or null for a clean close.
     */
    void terminate(final String problem)
    {
        if (terminated)
        {
            return;
        }
        terminated = true;
        if (problem != null)
        {
            errorHandler.onError(new IllegalStateException("ring close: " + problem + " ring=" + roleName));
        }
        CloseHelper.close(errorHandler, backend);
        if (problem != null)
        {
            close.failLeftovers(problem);
        }
        onTerminated.run();
    }
}
