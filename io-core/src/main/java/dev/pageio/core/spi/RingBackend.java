package dev.pageio.core.spi;

import java.nio.ByteBuffer;

/**
 * One kernel context (an io_uring instance, an aio context, a worker pool) driven by exactly one thread,
 * the ring agent. Every method except {@link #wakeup()} is called by that thread only.
 *
 * <p>A duty cycle is: {@link #prepare} each new request until it returns false, {@link #submit()} once
 * (at most one system call for the batch), {@link #reap} what has completed. When the agent has been idle
 * for a while it calls {@link #await}, which may block in the kernel.
 */
public interface RingBackend extends AutoCloseable
{
    /** The errno of an unsupported optional feature (Linux {@code EOPNOTSUPP}), negated in answers. */
    int EOPNOTSUPP = 95;

    /** @return the engine's name, e.g. {@code "io_uring"}. */
    String name();

    /** @return true when buffers must be direct {@code ByteBuffer}s (the kernel needs their address). */
    boolean requiresDirectBuffers();

    /** @return true when files must have a descriptor ({@link FileAccess#fd()} &ge; 0). */
    boolean requiresDescriptor();

    /**
     * Takes a request for the next {@link #submit()}: writes its SQE or iocb, or queues it.
     *
     * <p><b>Bad requests.</b> A request the backend cannot encode (no operation or descriptor, a negative offset, a
     * buffer that is not direct where the kernel needs an address, a range outside its buffer, a read into a
     * read-only buffer, a segment count out of range, an operation it does not know) is taken (true) and completes
     * through the sink with {@code -EINVAL} during a later {@link #reap}; it never reaches the kernel, and no
     * exception is thrown on the agent. These checks protect the JVM: no wild address reaches the kernel. Only a
     * broken ring invariant (an index outside the slot table, a slot already in the backend, a closed backend) is
     * an {@link IllegalStateException} or {@link IllegalArgumentException}.
     *
     * @param request the request (its fields describe the remaining work).
     * @return false when the backend is full now; the agent keeps the request and offers it again after
     * reaping.
     */
    boolean prepare(Request request);

    /**
     * Hands everything prepared since the last call to the kernel: one system call at most.
     *
     * @return how many requests were handed over.
     */
    int submit();

    /**
     * Reaps the completions available now, without blocking.
     *
     * @param sink where each completion goes.
     * @return how many were reaped.
     */
    int reap(CompletionSink sink);

    /** @return requests handed over by {@link #submit()} whose completion has not been reaped. */
    int inFlight();

    /**
     * Blocks until a completion is available, {@link #wakeup()} is called, or {@code timeoutNs} passes. A
     * wakeup that happened before the call makes it return promptly: no wakeup is lost.
     *
     * @param timeoutNs the longest wait.
     */
    void await(long timeoutNs);

    /**
     * @return true when {@link #await} hands the requests prepared since the last {@link #submit()} to the kernel
     * in the same system call as its wait (io_uring: {@code io_uring_enter} with {@code to_submit} and
     * {@code min_complete} together), and submits them before it returns early: an agent about to sleep may then
     * leave the submission to the sleep and pay one system call instead of two. Default false.
     */
    default boolean submitsInAwait()
    {
        return false;
    }

    /** Any thread: makes a current or the next {@link #await} return promptly. */
    void wakeup();

    /**
     * Tries to cancel a request already handed to the kernel. The answer comes through
     * {@link CompletionSink#cancelResult} during a later {@link #reap}; a backend that cannot cancel answers
     * there with {@code -EALREADY}.
     *
     * @param request a request handed over by {@link #prepare} and not yet completed.
     */
    void cancel(Request request);

    /**
     * Registers buffers with the kernel context so that later transfers from them cost less (io_uring's fixed
     * buffers: pinned once, addressed by index). Called on the agent thread ({@code IoRing.registerBuffers}).
     * An engine without such a feature answers {@code -EOPNOTSUPP}, the default; registering an empty array
     * answers 0 there too.
     *
     * @param buffers direct buffers; each is registered under its index in the array.
     * @return 0 on success, else {@code -errno} ({@code -EOPNOTSUPP} where not supported).
     */
    default int registerBuffers(final ByteBuffer... buffers)
    {
        return buffers.length == 0 ? 0 : -EOPNOTSUPP;
    }

    /**
     * System calls this backend made on the agent thread so far (submits, waits, reaps, wake-up reads), for reports
     * such as the bench's system calls per I/O. Agent thread, like every method here: read it through
     * {@code IoRing.onAgent}. Counting is a plain increment, no allocation.
     *
     * @return the count, or -1 where the backend does not count (the default).
     */
    default long systemCalls()
    {
        return -1;
    }

    /**
     * System calls that handed requests to the kernel so far ({@code io_submit}, {@code io_uring_enter} with
     * {@code to_submit} &gt; 0); with {@link #requestsSubmitted()} it gives the mean batch per submitting call.
     *
     * @return the count, or -1 where the backend does not count (the default).
     */
    default long submitCalls()
    {
        return -1;
    }

    /**
     * Requests the kernel accepted so far (internal ones, such as a wake-up read, included).
     *
     * @return the count, or -1 where the backend does not count (the default).
     */
    default long requestsSubmitted()
    {
        return -1;
    }

    /** Frees every native resource. Called once, after every request has completed. */
    @Override
    void close();
}
