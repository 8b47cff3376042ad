package dev.pageio.direct;

/** The log was closed: no append or commit is accepted. */
public final class LogClosedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message what was refused, in key=value text. */
    public LogClosedException(final String message)
    {
        super(message);
    }
}
