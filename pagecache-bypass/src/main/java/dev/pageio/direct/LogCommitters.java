package dev.pageio.direct;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The commit room of a {@link LogFile}: committers waiting for their LSN to become durable. A committer pushes a
 * recycled {@link Waiter} on an intrusive Treiber stack (a CAS on the head, any thread); the flusher takes the whole
 * stack with one getAndSet, keeps the waiters in a list and completes those below the durable LSN. No node is
 * allocated per push in the steady state and no waiter is ever dropped; there is no pop of single nodes, so no ABA.
 *
 * <p>Threading: {@link #push} and {@link #anyWaiting}: any thread; the rest: the ring's agent thread.
 */
final class LogCommitters
{
    /** A committer waiting for its LSN. */
    private static final class Waiter
    {
        /** The next node of the {@link #waiters} stack; published by the CAS that pushes this one. */
        Waiter next;
        long lsn;
        IoHandler<Object> handler;
        Object attachment;
        long token;
    }

    private final AtomicReference<Waiter> waiters = new AtomicReference<>();
    /** Recycled waiters: offered by the agent, polled by committers. */
    private final MpmcVarHandleArrayQueue<Waiter> waiterPool = new MpmcVarHandleArrayQueue<>(4096);
    private final AtomicInteger waitersPending = new AtomicInteger();
    private final AtomicLong handlerErrors = new AtomicLong();
    /** Agent thread only: the waiters taken from the stack and not completed yet. */
    private final ArrayList<Waiter> pending = new ArrayList<>();

    LogCommitters()
    {
        pending.ensureCapacity(1024);
    }

    /** Queues a commit for the flusher (the caller then kicks it). Any thread. */
    @SuppressWarnings("unchecked")
    <A> void push(final long lsn, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        Waiter w = waiterPool.relaxedPoll();
        if (w == null)
        {
            w = new Waiter();
        }
        w.lsn = lsn;
        w.handler = (IoHandler<Object>)handler;
        w.attachment = attachment;
        w.token = token;
        waitersPending.incrementAndGet();
        Waiter head;
        do
        {
            head = waiters.get();
            w.next = head;
        }
        // release (the CAS): the waiter's fields are visible to the agent's getAndSet, which takes the stack.
        while (!waiters.compareAndSet(head, w));
    }

    /** @return true while some commit is not completed yet (an appender then kicks the flusher). Any thread. */
    boolean anyWaiting()
    {
        return waitersPending.get() > 0;
    }

    /** @return commit handlers that threw. Any thread. */
    long handlerErrors()
    {
        return handlerErrors.get();
    }

    /** Takes every waiter pushed so far. Agent thread. */
    void drain()
    {
        // acquire (getAndSet): pairs with the committers' CAS; takes every waiter pushed so far at once.
        for (Waiter w = waiters.getAndSet(null); w != null; )
        {
            final Waiter next = w.next;
            w.next = null;
            pending.add(w);
            w = next;
        }
    }

    /** @return true when a committer waits (taken by {@link #drain}). Agent thread. */
    boolean hasPending()
    {
        return !pending.isEmpty();
    }

    /** Completes every waiter below {@code durable}. Agent thread. */
    void completeBelow(final long durable)
    {
        int kept = 0;
        for (int i = 0; i < pending.size(); i++)
        {
            final Waiter w = pending.get(i);
            if (w.lsn < durable)
            {
                complete(w, durable, null);
            }
            else
            {
                pending.set(kept++, w);
            }
        }
        truncatePending(kept);
    }

    /** Fails every waiter taken. Agent thread. */
    void failAll(final IoFailure f)
    {
        for (int i = 0; i < pending.size(); i++)
        {
            complete(pending.get(i), 0, f);
        }
        truncatePending(0);
    }

    private void truncatePending(final int size)
    {
        for (int i = pending.size() - 1; i >= size; i--)
        {
            pending.remove(i);
        }
    }

    private void complete(final Waiter w, final long durable, final IoFailure f)
    {
        final IoHandler<Object> handler = w.handler;
        final Object attachment = w.attachment;
        final long token = w.token;
        w.handler = null;
        w.attachment = null;
        waiterPool.relaxedOffer(w);
        waitersPending.decrementAndGet();
        try
        {
            if (f == null)
            {
                handler.completed(durable, attachment, token);
            }
            else
            {
                handler.failed(f, attachment, token);
            }
        }
        catch (final RuntimeException e)
        {
            // A handler's own failure is not the log's: counted, and the flusher goes on.
            handlerErrors.incrementAndGet();
        }
    }
}
