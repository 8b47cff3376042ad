package dev.pageio.direct;

/** Back-pressure: the log buffer had no space for a record within the append timeout. Nothing was appended. */
public final class LogFullException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message what was refused, in key=value text. */
    public LogFullException(final String message)
    {
        super(message);
    }
}
