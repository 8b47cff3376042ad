package dev.pageio.channel;

import java.nio.channels.CompletionHandler;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a channel's completion handlers run: its executor (the one given to {@code open}, else
 * {@link DefaultHandlerPool}), never the ring's agent.
 *
 * <p>Threading: {@link #dispatch(ChannelOp)} and {@link #execute}: any thread (the agent, mostly).
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
    /** The lane's head when no operation waits and no task is scheduled or spinning: the next push schedules one. */
    private static final ChannelOp IDLE = null;
    /** The lane's head (or bottom) while a task spins for operations: a push onto it schedules nothing. */
    private static final ChannelOp SPINNING = new ChannelOp();

    private final ExecutorService executor;
    /** The executor when it is a {@link ThreadPoolExecutor}, whose queue a spinning task watches; else null. */
    private final ThreadPoolExecutor pool;
    private final long spinNs;
    /**
     * Completed operations whose handlers have not started, newest first, on {@link #IDLE} or {@link #SPINNING};
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
        this(executor, SPIN_NS);
    }

    /**
     * @param executor where handlers run.
     * @param spinNs   how long a task waits for more completions after its batch at most; 0: never (and never on
     *                 an executor other than a {@link ThreadPoolExecutor}).
     */
    HandlerLane(final ExecutorService executor, final long spinNs)
    {
        this.executor = executor;
        // A spinning task holds its thread: only where the tasks queued behind it can be seen (and the spin ended).
        this.pool = executor instanceof ThreadPoolExecutor ? (ThreadPoolExecutor)executor : null;
        this.spinNs = pool != null ? spinNs : 0;
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
     * {@linkplain #IDLE idle} lane schedules the task; later ones find it scheduled, or find the task
     * {@linkplain #SPINNING spinning} for them after its batch, and cost no hand-off at all. While a handler runs the
     * lane is idle, so an operation that completes meanwhile is handed to another executor thread: a handler that
     * blocks delays only the handlers taken with it, and may wait for the handler of an operation it issued.
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
     * On the executor: runs the lane's operations, oldest first (a handler that throws does not stop the rest);
     * then, when no operation completed while they ran and the lane's recent gaps between batches were shorter than
     * {@link #spinNs}, waits for the next ones without parking and runs them too. A thread that spins runs no user
     * code, so an operation pushed onto a spinning lane needs no other thread; the lane is idle again (the next push
     * schedules a task) once a spin ends empty. The gap is learned (the last one seen) so that a lane fed slowly
     * (a disk at QD1) does not spin for nothing after every batch; the executor's wake-up latency is not counted in the
     * gap, so a loaded machine does not talk the lane out of spinning.
     */
    private void run()
    {
        ChannelOp taken = lane.getAndSet(IDLE);
        final long idleSince = idleSinceNs;
        if (idleSince != 0)
        {
            gapNs = scheduledNs - idleSince; // the executor's wake-up latency not included
        }
        while (true)
        {
            runBatch(taken);
            // Spin only on an empty lane: an operation pushed while the batch ran scheduled another task already.
            if (spinNs <= 0 || gapNs > spinNs || !lane.compareAndSet(IDLE, SPINNING))
            {
                idleSinceNs = System.nanoTime();
                return;
            }
            final long spinStartNs = System.nanoTime();
            taken = awaitPush(spinStartNs + spinNs);
            final long nowNs = System.nanoTime();
            if (taken == null)
            {
                idleSinceNs = nowNs; // the next task learns the gap from the push that schedules it
                return;
            }
            gapNs = nowNs - spinStartNs;
        }
    }

    /**
     * @return the operations pushed onto the spinning lane (the lane idle again), or null after the spin, idle.
     *         An interrupt (an executor's {@code shutdownNow}) ends the spin early and stays set; so does a task
     *         queued on the executor, which the spinning thread would delay.
     */
    private ChannelOp awaitPush(final long deadlineNs)
    {
        for (int i = 1; ; i++)
        {
            if (lane.get() != SPINNING)
            {
                return lane.getAndSet(IDLE);
            }
            if ((i & 63) == 0)
            {
                if (System.nanoTime() - deadlineNs >= 0 || Thread.currentThread().isInterrupted() ||
                    !pool.getQueue().isEmpty()) // other tasks wait for this thread: give it back
                {
                    // release: a push that lost this race (head no longer SPINNING) is taken here
                    return lane.compareAndSet(SPINNING, IDLE) ? null : lane.getAndSet(IDLE);
                }
                Thread.yield(); // on a busy machine the agent that will complete them may need this CPU
            }
            else
            {
                Thread.onSpinWait();
            }
        }
    }

    /** Runs a stack of operations (newest first, ending at {@link #IDLE} or {@link #SPINNING}) oldest first. */
    private static void runBatch(final ChannelOp newest)
    {
        ChannelOp op = newest;
        ChannelOp oldest = null;
        while (op != IDLE && op != SPINNING) // the lane is a stack, newest first: reverse it
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
            op = next;
        }
        if (thrown instanceof RuntimeException)
        {
            throw (RuntimeException)thrown;
        }
        if (thrown != null)
        {
            throw (Error)thrown;
        }
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
