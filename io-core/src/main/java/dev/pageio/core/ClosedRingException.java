package dev.pageio.core;

/** A request or file was offered to a ring that is closed. */
public final class ClosedRingException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message names the ring. */
    public ClosedRingException(final String message)
    {
        super(message);
    }
}
