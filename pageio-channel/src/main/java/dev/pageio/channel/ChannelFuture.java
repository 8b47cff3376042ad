package dev.pageio.channel;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.AsynchronousChannel;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The {@link Future} of one channel operation, with the JDK's semantics for asynchronous channels: the first of
 * result, failure or {@link #cancel} wins; {@code cancel(true)} also closes the channel (the JDK's
 * {@code PendingFuture} does the same); a canceled operation still runs to its end, its result is dropped.
 *
 * <p>One object per operation: the outcome and the state live here, and a thread that waits in {@link #get} pushes
 * one node onto a stack of waiters (none is allocated when the outcome is there before {@code get}).
 *
 * <p>Threading: {@link #complete}/{@link #fail}: any thread, including the ring's agent (it only stores the outcome
 * and unparks waiters; no user code runs there). No dependent actions can be attached.
 */
final class ChannelFuture<V> implements Future<V>
{
    private static final int PENDING = 0;
    private static final int COMPLETED = 1;
    private static final int FAILED = 2;
    private static final int CANCELED = 3;
    private static final VarHandle STATE;
    private static final VarHandle WAITERS;
    /** The waiter stack once the outcome is set: nobody pushes any more. */
    private static final Waiter RELEASED = new Waiter(null);

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(ChannelFuture.class, "state", int.class);
            WAITERS = lookup.findVarHandle(ChannelFuture.class, "waiters", Waiter.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A thread parked in {@link #get}. */
    private static final class Waiter
    {
        final Thread thread;
        Waiter next;

        Waiter(final Thread thread)
        {
            this.thread = thread;
        }
    }

    private final AsynchronousChannel channel;
    private volatile int state;
    private volatile Waiter waiters;
    private V value;
    private Throwable failure;

    ChannelFuture(final AsynchronousChannel channel)
    {
        this.channel = channel;
    }

    static <V> ChannelFuture<V> completed(final AsynchronousChannel channel, final V value)
    {
        final ChannelFuture<V> f = new ChannelFuture<>(channel);
        f.complete(value);
        return f;
    }

    static <V> ChannelFuture<V> failed(final AsynchronousChannel channel, final Throwable failure)
    {
        final ChannelFuture<V> f = new ChannelFuture<>(channel);
        f.fail(failure);
        return f;
    }

    /** @return true when this call set the outcome. */
    boolean complete(final V result)
    {
        if (state != PENDING)
        {
            return false;
        }
        value = result;
        // volatile CAS: value is visible to whoever reads the state after it (report())
        if (STATE.compareAndSet(this, PENDING, COMPLETED))
        {
            release();
            return true;
        }
        return false;
    }

    /** @return true when this call set the outcome. */
    boolean fail(final Throwable cause)
    {
        if (state != PENDING)
        {
            return false;
        }
        failure = cause;
        if (STATE.compareAndSet(this, PENDING, FAILED))
        {
            release();
            return true;
        }
        return false;
    }

    /** After the state left PENDING: wakes every waiter; later ones see the state and do not park. */
    private void release()
    {
        Waiter w = (Waiter)WAITERS.getAndSet(this, RELEASED);
        while (w != null && w != RELEASED)
        {
            LockSupport.unpark(w.thread);
            w = w.next;
        }
    }

    @Override
    public boolean cancel(final boolean mayInterruptIfRunning)
    {
        if (!STATE.compareAndSet(this, PENDING, CANCELED))
        {
            return false;
        }
        if (mayInterruptIfRunning)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // the JDK ignores it too: the cancel has happened
            }
        }
        release();
        return true;
    }

    @Override
    public boolean isCancelled()
    {
        return state == CANCELED;
    }

    @Override
    public boolean isDone()
    {
        return state != PENDING;
    }

    @Override
    public V get() throws InterruptedException, ExecutionException
    {
        if (state == PENDING)
        {
            await(false, 0L);
        }
        return report();
    }

    @Override
    public V get(final long timeout, final TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException
    {
        if (state == PENDING && !await(true, System.nanoTime() + unit.toNanos(timeout)))
        {
            throw new TimeoutException("operation not done: timeout=" + timeout + " unit=" + unit);
        }
        return report();
    }

    /**
     * Parks until the outcome is set (as the JDK's own future, an outcome already there is returned even to an
     * interrupted thread). The node stays on the stack after an interrupt or a timeout: the release then unparks a
     * thread that no longer waits here, which every park loop tolerates.
     *
     * @return false when the deadline passed first.
     */
    private boolean await(final boolean timed, final long deadlineNs) throws InterruptedException
    {
        final Waiter node = new Waiter(Thread.currentThread());
        while (true)
        {
            final Waiter head = waiters;
            if (head == RELEASED)
            {
                return true; // the state was set before the stack was released
            }
            node.next = head;
            if (WAITERS.compareAndSet(this, head, node))
            {
                break;
            }
        }
        while (state == PENDING)
        {
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            if (timed)
            {
                final long remainingNs = deadlineNs - System.nanoTime();
                if (remainingNs <= 0)
                {
                    return false;
                }
                LockSupport.parkNanos(this, remainingNs);
            }
            else
            {
                LockSupport.park(this);
            }
        }
        return true;
    }

    private V report() throws ExecutionException
    {
        switch (state)
        {
            case COMPLETED:
                return value;
            case FAILED:
                throw new ExecutionException(failure);
            case CANCELED:
                throw new CancellationException();
            default:
                throw new IllegalStateException("future not done");
        }
    }

    @Override
    public String toString()
    {
        return "ChannelFuture{state=" + state + "}";
    }
}
