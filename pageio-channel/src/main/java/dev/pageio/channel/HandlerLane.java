package dev.pageio.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a channel's completion handlers run: its executor (the one given to {@code open}, else
 * {@link DefaultHandlerPool}), never the ring's agent.
 *
 * <p>Threading: {@link #dispatch(ChannelOp)} and {@link #execute}: any thread (the agent, mostly); {@link #watch()}:
 * the {@link LaneWatchdog}'s thread; the rest: the lane's executor tasks.
 */
final class HandlerLane
{
    static final String SPIN_PROPERTY = "dev.pageio.channel.handlerSpinNs";
    /**
     * How long a lane's task waits, spinning, for more completions after its batch before it gives its thread back
     * (system property {@value #SPIN_PROPERTY}, nanoseconds; 0: never). Only on a {@link ThreadPoolExecutor} (the
     * default pool is one), whose queue the spin watches: an executor of another kind gets no spin. Measured on the
     * bench's tmpfs 4k randread QD32: see README.
     */
    static final long SPIN_NS = Long.getLong(SPIN_PROPERTY, 50_000L);
    static final String HOLD_PROPERTY = "dev.pageio.channel.handlerHoldNs";
    /**
     * How long operations that complete while a lane's task runs handlers may wait for that task before another
     * executor thread takes them (system property {@value #HOLD_PROPERTY}, nanoseconds, the {@link LaneWatchdog}'s
     * period: they wait one to two periods when the task's handlers hold its thread that long; 0: never held, each
     * goes to another task at once, the lane's behaviour before it held).
     */
    static final long HOLD_NS = Long.getLong(HOLD_PROPERTY, 1_000_000L);
    /** The lane's head when no operation waits and no task is scheduled or spinning: the next push schedules one. */
    private static final ChannelOp IDLE = null;
    /** The lane's head (or bottom) while a task spins for operations: a push onto it schedules nothing. */
    private static final ChannelOp SPINNING = new ChannelOp();
    /**
     * The lane's head (or bottom) while a task runs handlers, when the lane holds ({@link #HOLD_NS} &gt; 0): a push
     * onto it schedules nothing; the task takes it after its handler, or the watchdog gives it to another task.
     */
    private static final ChannelOp BUSY = new ChannelOp();
    private static final VarHandle TAKES;
    private static final VarHandle IN_HANDLER;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAKES = lookup.findVarHandle(HandlerLane.class, "takes", long.class);
            IN_HANDLER = lookup.findVarHandle(HandlerLane.class, "inHandler", boolean.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ExecutorService executor;
    /** The executor when it is a {@link ThreadPoolExecutor}, whose queue a spinning task watches; else null. */
    private final ThreadPoolExecutor pool;
    private final long spinNs;
    /** {@link #BUSY} when the lane holds, else {@link #IDLE}: what a task leaves as the lane's bottom while it runs. */
    private final ChannelOp running;
    /** The watchdog that hands held operations on when a handler blocks; null when the lane does not hold. */
    private final LaneWatchdog watchdog;
    /**
     * How often a task took the lane's operations (opaque: written by the lane's tasks, read by the watchdog, which
     * only needs to see it change).
     */
    @SuppressWarnings("unused") // through TAKES
    private long takes;
    /**
     * True while a task of a holding lane runs a handler (opaque, as {@link #takes}; racy when two tasks run, and
     * then harmless: the other task takes what waits): operations that wait while no handler runs have a task
     * coming (a scheduled one the executor has not started yet), which another task would not help.
     */
    @SuppressWarnings("unused") // through IN_HANDLER
    private boolean inHandler;
    /**
     * The watchdog's view at its last look (its thread only): operations were waiting while a handler ran, and
     * {@link #takes} then.
     */
    private boolean waitingAtLastWatch;
    private long takesAtLastWatch;
    /**
     * Completed operations whose handlers have not started, newest first, on {@link #IDLE}, {@link #SPINNING} or
     * {@link #BUSY};
     * see {@link #dispatch(ChannelOp)}.
     */
    private final AtomicReference<ChannelOp> lane = new AtomicReference<>(IDLE);
    private final Runnable runner = this::run;
    /**
     * The last gap seen between the end of a batch and the next operation (spun through, or from the time the lane
     * went idle to the push that scheduled the next task); read and written by the lane's tasks only (racy when two
     * run at once: a heuristic).
     */
    private volatile long gapNs;
    /** When the lane last went idle, {@link System#nanoTime()}; 0 before it ran. */
    private volatile long idleSinceNs;
    /** When the last task was scheduled (an operation pushed onto the idle lane); the executor publishes it. */
    private long scheduledNs;

    HandlerLane(final ExecutorService executor)
    {
        this(executor, SPIN_NS, HOLD_NS > 0);
    }

    HandlerLane(final ExecutorService executor, final long spinNs)
    {
        this(executor, spinNs, HOLD_NS > 0);
    }

    /**
     * @param executor where handlers run.
     * @param spinNs   how long a task waits for more completions after its batch at most; 0: never (and never on
     *                 an executor other than a {@link ThreadPoolExecutor}).
     * @param hold     true: operations that complete while a task runs handlers wait for that task (up to the
     *                 watchdog's period or two); false: each goes to another task at once.
     */
    HandlerLane(final ExecutorService executor, final long spinNs, final boolean hold)
    {
        this(executor, spinNs, hold, hold);
    }

    /**
     * @param watched false only in tests that must see a holding lane without the watchdog's take-overs (a handler
     *                that blocks would then hold the operations behind it until it returns).
     */
    HandlerLane(final ExecutorService executor, final long spinNs, final boolean hold, final boolean watched)
    {
        this.executor = executor;
        // A spinning task holds its thread: only where the tasks queued behind it can be seen (and the spin ended).
        this.pool = executor instanceof ThreadPoolExecutor ? (ThreadPoolExecutor)executor : null;
        this.spinNs = pool != null ? spinNs : 0;
        this.running = hold ? BUSY : IDLE;
        this.watchdog = hold && watched ? LaneWatchdog.get() : null;
        if (watchdog != null)
        {
            watchdog.register(this);
        }
    }

    /** @return true while a task spins on an empty lane, waiting for operations (tests). */
    boolean spinning()
    {
        return lane.get() == SPINNING;
    }

    static <V, A> void invoke(
        final CompletionHandler<V, ? super A> handler, final A attachment, final V value, final Throwable failure)
    {
        if (failure == null)
        {
            handler.completed(value, attachment);
        }
        else
        {
            handler.failed(failure, attachment);
        }
    }

    /**
     * Hands a completed operation to its handler. Operations that complete while earlier ones still wait for an
     * executor thread join them in the lane and run on the same executor task, in completion order: one hand-off to
     * the executor serves a whole reaped batch instead of one per operation. The first operation pushed onto an
     * {@linkplain #IDLE idle} lane schedules the task; later ones find it scheduled, find the task
     * {@linkplain #SPINNING spinning} for them after its batch, or (when the lane holds) find it
     * {@linkplain #BUSY running handlers}, and cost no hand-off at all: the task takes them after its current
     * handler. A handler that blocks cannot strand them: the {@link LaneWatchdog} gives operations that waited a whole
     * period ({@link #HOLD_NS}, 1 ms) without the task taking them to another executor task, so a handler may wait
     * for the handler of an operation it issued (it runs on another thread, one to two periods later). Without
     * holding, the lane is idle while a handler runs, and an operation that completes meanwhile goes to another
     * executor task at once.
     */
    void dispatch(final ChannelOp op)
    {
        ChannelOp head;
        do
        {
            head = lane.get();
            op.nextInLane = head;
        }
        while (!lane.compareAndSet(head, op));
        if (head == IDLE)
        {
            scheduledNs = System.nanoTime(); // once per batch, for the gap the task learns
            execute(runner);
        }
    }

    /**
     * On the executor: runs the lane's operations, oldest first (a handler that throws does not stop the rest),
     * then (when the lane holds) those pushed while they ran; then, when no operation is left and the lane's recent
     * gaps between batches were shorter than {@link #spinNs}, waits for the next ones without parking and runs them
     * too. A thread that spins runs no user code, so an operation pushed onto a spinning lane needs no other thread;
     * the lane is idle again (the next push schedules a task) once a spin ends empty. The gap is learned (the last
     * one seen) so that a lane fed slowly (a disk at QD1) does not spin for nothing after every batch; the
     * executor's wake-up latency is not counted in the gap, so a loaded machine does not talk the lane out of
     * spinning.
     */
    private void run()
    {
        final ChannelOp taken = take();
        final long idleSince = idleSinceNs;
        if (idleSince != 0)
        {
            gapNs = scheduledNs - idleSince; // the executor's wake-up latency not included
        }
        drain(taken);
    }

    /** Takes every operation in the lane, leaving {@link #running} as its bottom. */
    private ChannelOp take()
    {
        final ChannelOp taken = lane.getAndSet(running);
        TAKES.setOpaque(this, (long)TAKES.getOpaque(this) + 1); // racy when two tasks run: the watchdog needs a change
        if (watchdog != null)
        {
            watchdog.wakeIfParked(); // after the lane became BUSY (a volatile write): see LaneWatchdog
        }
        return taken;
    }

    /**
     * Runs {@code first}, then the lane until it is empty (and a spin, if any, ended empty). Several tasks of one
     * lane may run at once (one that blocked in a handler and the one the watchdog or a push on the idle lane
     * started): each takes operations only by an atomic swap of the lane's head, so each operation runs once; a task
     * takes only when operations wait (never another task's bare sentinel, so two tasks cannot pass the lane back and
     * forth), and leaves when the lane is empty and idle, or covered by another task (its sentinel at the bottom).
     */
    private void drain(final ChannelOp first)
    {
        ChannelOp taken = first;
        while (true)
        {
            final Throwable thrown = runBatch(taken);
            taken = IDLE;
            if (thrown != null)
            {
                leave();
                idleSinceNs = System.nanoTime();
                if (thrown instanceof RuntimeException)
                {
                    throw (RuntimeException)thrown;
                }
                throw (Error)thrown;
            }
            if (running == BUSY)
            {
                final ChannelOp head = lane.get();
                if (waiting(head))
                {
                    taken = take(); // pushed while the batch ran
                    continue;
                }
                if (head != BUSY)
                {
                    idleSinceNs = System.nanoTime(); // idle, or another task spins for it
                    return;
                }
            }
            // Spin only on an empty lane (without holding, a push while the batch ran scheduled another task).
            if (spinNs > 0 && gapNs <= spinNs && lane.compareAndSet(running, SPINNING))
            {
                final long spinStartNs = System.nanoTime();
                taken = awaitPush(spinStartNs + spinNs);
                final long nowNs = System.nanoTime();
                if (taken == IDLE)
                {
                    idleSinceNs = nowNs; // the next task learns the gap from the push that schedules it
                    return;
                }
                gapNs = nowNs - spinStartNs;
                continue;
            }
            if (running == IDLE || lane.compareAndSet(BUSY, IDLE))
            {
                idleSinceNs = System.nanoTime();
                return;
            }
            // a push between the look and the swap: look again
        }
    }

    /** @return true when {@code head} is an operation (operations wait), not one of the sentinels. */
    private static boolean waiting(final ChannelOp head)
    {
        return head != IDLE && head != SPINNING && head != BUSY;
    }

    /** A task that leaves early (a handler threw): the lane idle again, or what waits in it given to another task. */
    private void leave()
    {
        while (running == BUSY)
        {
            final ChannelOp head = lane.get();
            if (waiting(head))
            {
                execute(runner);
                return;
            }
            if (head != BUSY || lane.compareAndSet(BUSY, IDLE))
            {
                return; // idle, or another task spins for it
            }
        }
    }

    /**
     * @return the operations pushed onto the spinning lane (the lane {@link #running} again), or null after the
     *         spin, idle, or when another task took the lane over meanwhile. An interrupt (an executor's
     *         {@code shutdownNow}) ends the spin early and stays set; so does a task queued on the executor, which the
     *         spinning thread would delay.
     */
    private ChannelOp awaitPush(final long deadlineNs)
    {
        for (int i = 1; ; i++)
        {
            final ChannelOp head = lane.get();
            if (head != SPINNING)
            {
                return waiting(head) ? take() : IDLE;
            }
            if ((i & 63) == 0)
            {
                if (System.nanoTime() - deadlineNs >= 0 || Thread.currentThread().isInterrupted() ||
                    !pool.getQueue().isEmpty()) // other tasks wait for this thread: give it back
                {
                    if (lane.compareAndSet(SPINNING, IDLE))
                    {
                        return IDLE;
                    }
                    // a push won the race (head no longer SPINNING): it is taken here
                    return waiting(lane.get()) ? take() : IDLE;
                }
                Thread.yield(); // on a busy machine the agent that will complete them may need this CPU
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * Watchdog thread, every period: when operations have waited in the lane since the last look, a handler ran at
     * both looks and no task took any operation meanwhile (the handler blocks, or runs that long), gives them to
     * another executor task.
     *
     * @return true when the lane is active: a task of it holds, runs handlers or spins, or operations wait.
     */
    boolean watch()
    {
        final ChannelOp head = lane.get();
        final long t = (long)TAKES.getOpaque(this);
        final boolean waiting = waiting(head) && (boolean)IN_HANDLER.getOpaque(this);
        if (waiting && waitingAtLastWatch && t == takesAtLastWatch && lane.compareAndSet(head, IDLE))
        {
            // From now on pushes schedule tasks again until a task makes the lane BUSY; the blocked task, when its
            // handler returns, finds another bottom and goes on taking (see drain).
            waitingAtLastWatch = false;
            execute(new Takeover(head));
            return true;
        }
        waitingAtLastWatch = waiting;
        takesAtLastWatch = t;
        return head != IDLE;
    }

    /** An executor task that runs operations the watchdog took from a lane, then drains the lane like its task. */
    private final class Takeover implements Runnable
    {
        private final ChannelOp taken;

        Takeover(final ChannelOp taken)
        {
            this.taken = taken;
        }

        @Override
        public void run()
        {
            drain(taken);
        }
    }

    /**
     * Runs a stack of operations (newest first, ending at a sentinel) oldest first; a handler that throws does not
     * stop the rest.
     *
     * @return what the handlers threw (the first, the others suppressed in it), or null.
     */
    private Throwable runBatch(final ChannelOp newest)
    {
        ChannelOp op = newest;
        ChannelOp oldest = null;
        while (op != IDLE && op != SPINNING && op != BUSY) // the lane is a stack, newest first: reverse it
        {
            final ChannelOp next = op.nextInLane;
            op.nextInLane = oldest;
            oldest = op;
            op = next;
        }
        Throwable thrown = null;
        for (op = oldest; op != null; )
        {
            final ChannelOp next = op.nextInLane; // read before run(): the op goes back to its pool there
            op.nextInLane = null;
            final boolean watched = running == BUSY;
            if (watched)
            {
                IN_HANDLER.setOpaque(this, true);
            }
            try
            {
                op.run();
            }
            catch (final RuntimeException | Error e)
            {
                if (thrown == null)
                {
                    thrown = e;
                }
                else
                {
                    thrown.addSuppressed(e);
                }
            }
            if (watched)
            {
                IN_HANDLER.setOpaque(this, false);
            }
            op = next;
        }
        return thrown;
    }

    /**
     * Runs a handler task on the channel's executor; when the executor refuses it (shut down), on a thread of its
     * own, so that no completion is ever lost and none runs on the agent.
     */
    void execute(final Runnable task)
    {
        try
        {
            executor.execute(task);
        }
        catch (final RejectedExecutionException e)
        {
            final Thread t = new Thread(task, "pageio-channel-handler-rejected");
            t.setDaemon(true);
            t.start();
        }
    }
}
