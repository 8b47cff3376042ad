package dev.pageio.channel;

import java.nio.channels.CompletionHandler;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where a channel's completion handlers run: its executor (the one given to {@code open}, else
 * {@link DefaultHandlerPool}), never the ring's agent.
 *
 * <p>Threading: {@link #dispatch(ChannelOp)} and {@link #execute}: any thread (the agent, mostly).
 */
final class HandlerLane
{
    private final ExecutorService executor;
    /** Completed operations whose handlers have not started, newest first; see {@link #dispatch(ChannelOp)}. */
    private final AtomicReference<ChannelOp> lane = new AtomicReference<>();
    private final Runnable runner = this::run;

    HandlerLane(final ExecutorService executor)
    {
        this.executor = executor;
    }

    /** @return the executor handlers run on. */
    ExecutorService executor()
    {
        return executor;
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
     * executor thread join them in the handler lane and run on the same executor task, in completion order: under
     * load one hand-off to the executor serves a whole reaped batch instead of one per operation (a hand-off may
     * have to wake a parked thread). A lane is never waited on: the
     * first operation into an empty lane schedules the task that takes the whole lane, and later ones find a lane
     * that is already scheduled. Handlers that complete while a batch runs form the next batch, on another
     * executor thread, so a handler that blocks delays only the handlers taken with it.
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
        if (head == null)
        {
            execute(runner);
        }
    }

    /** On the executor: the operations of the lane, oldest first; a handler that throws does not stop the rest. */
    private void run()
    {
        ChannelOp op = lane.getAndSet(null);
        ChannelOp oldest = null;
        while (op != null) // the lane is a stack, newest first: reverse it
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
