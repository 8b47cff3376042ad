package dev.pageio.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The futures a ring hands out (and those chained on them): a {@link CompletableFuture} whose blocking waits
 * ({@code get}, {@code join}) are refused with {@link AgentWaitException} on the ring's own agent thread while the
 * future is not done, because only that thread can complete it. Otherwise exactly a {@code CompletableFuture}.
 *
 * @param <T> the result's type.
 */
final class RingFuture<T> extends CompletableFuture<T>
{
    private final Progress progress;

    RingFuture(final Progress progress)
    {
        this.progress = progress;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException
    {
        refuseOnAgent("get()");
        return super.get();
    }

    @Override
    public T get(final long timeout, final TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException
    {
        refuseOnAgent("get(timeout)");
        return super.get(timeout, unit);
    }

    @Override
    public T join()
    {
        refuseOnAgent("join()");
        return super.join();
    }

    @Override
    public <U> CompletableFuture<U> newIncompleteFuture()
    {
        return new RingFuture<>(progress);
    }

    private void refuseOnAgent(final String call)
    {
        if (!isDone() && progress.onAgentThread())
        {
            throw new AgentWaitException("cannot wait on the ring's own agent thread (a handler would wait for " +
                "itself): " + call + " of a future of the same ring; chain on it (whenComplete) instead: thread=" +
                Thread.currentThread().getName());
        }
    }
}
