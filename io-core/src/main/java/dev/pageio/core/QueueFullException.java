package dev.pageio.core;

/**
 * Back-pressure: the ring had no free request slot, and the ring's submit timeout (zero: refuse at once)
 * passed. Nothing was submitted; the caller decides what to do.
 */
public final class QueueFullException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message names the capacity and the timeout. */
    public QueueFullException(final String message)
    {
        super(message);
    }
}
