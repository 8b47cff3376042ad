package dev.pageio.core;

/**
 * Completion callback of one request. Runs on the ring's agent thread (or the thread calling
 * {@link IoRing#poll()}); it must not block. Exactly one of the two methods is called, exactly once.
 * A handler that throws is reported to the ring's error handler; the ring goes on.
 *
 * @param <A> the attachment's type.
 */
public interface IoHandler<A>
{
    /**
     * @param result     bytes transferred (reads: fewer than asked only at end of file), or 0 for syncs.
     * @param attachment the attachment given at submission.
     * @param token      the token given at submission.
     */
    void completed(long result, A attachment, long token);

    /**
     * @param failure    what the operating system reported, or ECANCELED for a canceled request.
     * @param attachment the attachment given at submission.
     * @param token      the token given at submission.
     */
    void failed(IoFailure failure, A attachment, long token);
}
