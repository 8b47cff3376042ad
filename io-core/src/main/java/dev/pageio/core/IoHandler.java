package dev.pageio.core;

/**
 * Completion callback of one request. Runs on the ring's agent thread (or the thread calling
 * {@link IoRing#poll()}); it must not block. Exactly one of the two methods is called, exactly once.
 *
 * <p>What a handler may not do, and what happens when it throws:
 * <ul>
 *   <li>An exception is reported to the ring's error handler ({@link RingConfig#errorHandler()}); the ring goes on.</li>
 *   <li>A {@link VirtualMachineError} ({@code OutOfMemoryError}, {@code StackOverflowError}…) is reported to the
 *   error handler too, and the ring fails safe: it closes itself at once. New requests are refused with
 *   {@link ClosedRingException}; requests still queued fail with ECANCELED (the message names the error); the
 *   rest end as in {@link IoRing#close()}; {@link IoRing#failure()} returns the error. It is not rethrown on the
 *   agent thread.</li>
 *   <li>Waiting for its own ring — {@code get()}/{@code join()} of a future of the same ring that is not done,
 *   {@link IoRequest#awaitAny}/{@code awaitAll} of its requests, {@link IoFile#close()}, {@link IoRing#close()}'s
 *   wait — would wait for itself: it is refused at once with {@link AgentWaitException} (ring close only starts).
 *   Chain on the future instead, or use {@link IoFile#closeAsync()}.</li>
 * </ul>
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
