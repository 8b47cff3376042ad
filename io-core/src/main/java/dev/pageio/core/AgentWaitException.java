package dev.pageio.core;

/**
 * A wait on the ring's own agent thread (in a completion handler, or in a {@link RingConfig.ThreadMode#CALLER}
 * ring's poll) for something only that agent can finish: the {@code join()}/{@code get()} of a future of the same
 * ring, {@link IoRequest#awaitAny} of its requests, {@link IoFile#close()}. It would wait for itself for ever, so
 * it is refused at once. From a handler, chain on the future ({@code thenAccept}, {@code whenComplete}) or use
 * {@link IoFile#closeAsync()} instead.
 */
public final class AgentWaitException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message names what was waited for and the ring. */
    public AgentWaitException(final String message)
    {
        super(message);
    }
}
