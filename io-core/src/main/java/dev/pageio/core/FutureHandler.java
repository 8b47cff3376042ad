package dev.pageio.core;

import java.util.concurrent.CompletableFuture;

/**
 * Completes a {@link CompletableFuture} attachment: the handler of the future-returning calls of {@link IoFile} and
 * {@link IoRing}. Stateless, one instance.
 */
final class FutureHandler implements IoHandler<CompletableFuture<Long>>
{
    static final IoHandler<Object> INSTANCE = cast(new FutureHandler());

    @SuppressWarnings("unchecked")
    private static IoHandler<Object> cast(final IoHandler<?> handler)
    {
        return (IoHandler<Object>)handler;
    }

    @Override
    public void completed(final long result, final CompletableFuture<Long> future, final long token)
    {
        future.complete(result);
    }

    @Override
    public void failed(final IoFailure failure, final CompletableFuture<Long> future, final long token)
    {
        future.completeExceptionally(failure);
    }
}
