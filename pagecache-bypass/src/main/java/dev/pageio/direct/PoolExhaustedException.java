package dev.pageio.direct;

/**
 * Back-pressure: every buffer of an {@link AlignedBufferPool} was in use and the wait (zero: none) passed.
 * Nothing was taken; the caller decides what to do.
 */
public final class PoolExhaustedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message names the pool's size and the wait. */
    public PoolExhaustedException(final String message)
    {
        super(message);
    }
}
