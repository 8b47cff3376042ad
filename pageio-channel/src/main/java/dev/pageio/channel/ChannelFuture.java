package dev.pageio.channel;

import java.io.IOException;
import java.nio.channels.AsynchronousChannel;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link Future} of one channel operation, with the JDK's semantics for asynchronous channels: the first of
 * result, failure or {@link #cancel} wins; {@code cancel(true)} also closes the channel (the JDK's
 * {@code PendingFuture} does the same); a canceled operation still runs to its end, its result is dropped.
 *
 * <p>Threading: {@link #complete}/{@link #fail}: any thread, including the ring's agent (it only stores the outcome
 * and wakes waiters; no user code runs there). No dependent actions can be attached.
 */
final class ChannelFuture<V> implements Future<V>
{
    private static final int PENDING = 0;
    private static final int COMPLETED = 1;
    private static final int FAILED = 2;
    private static final int CANCELED = 3;

    private final AsynchronousChannel channel;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final CountDownLatch done = new CountDownLatch(1);
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
        if (state.get() != PENDING)
        {
            return false;
        }
        value = result;
        // release: value is visible to whoever reads the state after the CAS (paired with the get in report()).
        if (state.compareAndSet(PENDING, COMPLETED))
        {
            done.countDown();
            return true;
        }
        return false;
    }

    /** @return true when this call set the outcome. */
    boolean fail(final Throwable cause)
    {
        if (state.get() != PENDING)
        {
            return false;
        }
        failure = cause;
        if (state.compareAndSet(PENDING, FAILED))
        {
            done.countDown();
            return true;
        }
        return false;
    }

    @Override
    public boolean cancel(final boolean mayInterruptIfRunning)
    {
        if (!state.compareAndSet(PENDING, CANCELED))
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
        done.countDown();
        return true;
    }

    @Override
    public boolean isCancelled()
    {
        return state.get() == CANCELED;
    }

    @Override
    public boolean isDone()
    {
        return state.get() != PENDING;
    }

    @Override
    public V get() throws InterruptedException, ExecutionException
    {
        done.await();
        return report();
    }

    @Override
    public V get(final long timeout, final TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException
    {
        if (!done.await(timeout, unit))
        {
            throw new TimeoutException("operation not done: timeout=" + timeout + " unit=" + unit);
        }
        return report();
    }

    private V report() throws ExecutionException
    {
        switch (state.get())
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
        return "ChannelFuture{state=" + state.get() + "}";
    }
}
