package dev.pageio.bench;

/** A bad command line: the message is one line naming the flag, the value and the rule. */
final class UsageException extends Exception
{
    private static final long serialVersionUID = 1L;

    UsageException(final String message)
    {
        super(message);
    }
}
