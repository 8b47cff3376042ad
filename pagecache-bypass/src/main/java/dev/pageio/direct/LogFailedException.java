package dev.pageio.direct;

/**
 * The log is poisoned: a write or sync of it failed (the cause), and from then on no append is accepted and no
 * commit is acknowledged (sticky failure, docs/DURABILITY.md rule 5). Recovery is a reopen, which finds the true end.
 */
public final class LogFailedException extends IllegalStateException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was refused, in key=value text.
     * @param cause   the failure that poisoned the log.
     */
    public LogFailedException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
