package dev.pageio.core;

/** A request was offered on a file that is closed (or closing). */
public final class ClosedFileException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /** @param message names the file. */
    public ClosedFileException(final String message)
    {
        super(message);
    }
}
