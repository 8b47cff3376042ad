package dev.pageio.linux;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;

/**
 * What a backend answers without the kernel, kept for its next {@code reap}: completions (a request it cannot
 * encode, -EINVAL; one canceled before the kernel saw it, -ECANCELED; aio's local NOP, 0) and cancel answers.
 * A backend never calls the sink from {@code prepare} or {@code cancel}: every answer travels through
 * {@code reap}, as the kernel's do.
 *
 * <p>Preallocated: one entry per request slot of each kind, no allocation per use. Threading: the ring agent only.
 */
public final class LocalCompletions
{
    /** The backend's bookkeeping when a local completion is delivered: frees the slot, returns its request. */
    public interface Release
    {
        /**
         * @param index the request's slot index.
         * @return the request, now no longer in the backend.
         */
        Request release(int index);
    }

    private final int[] indexes;
    private final long[] results;
    private int count;
    private final Request[] cancelRequests;
    private final int[] cancelAnswers;
    private int cancelCount;

    /** @param capacity the ring's queue depth: at most one pending entry of each kind per slot. */
    public LocalCompletions(final int capacity)
    {
        this.indexes = new int[capacity];
        this.results = new long[capacity];
        this.cancelRequests = new Request[capacity];
        this.cancelAnswers = new int[capacity];
    }

    /**
     * Keeps a completion for the next {@link #deliver}.
     *
     * @param index  the request's slot index.
     * @param result its result: bytes, 0, or -errno.
     */
    public void complete(final int index, final long result)
    {
        if (count == indexes.length)
        {
            throw new IllegalStateException("too many local completions pending: pending=" + count + " index=" + index);
        }
        indexes[count] = index;
        results[count] = result;
        count++;
    }

    /**
     * Keeps a cancel answer for the next {@link #deliver}.
     *
     * @param request the request whose cancel was asked.
     * @param answer  0, -ENOENT or -EALREADY (see {@link CompletionSink#cancelResult}).
     */
    public void cancelAnswer(final Request request, final int answer)
    {
        // at most one answer per slot is pending unless cancel is repeated; the table is sized for one per slot
        if (cancelCount == cancelRequests.length)
        {
            throw new IllegalStateException("too many cancel answers pending: pending=" + cancelCount +
                " request=" + request);
        }
        cancelRequests[cancelCount] = request;
        cancelAnswers[cancelCount] = answer;
        cancelCount++;
    }

    /** @return true when nothing waits for {@link #deliver}. */
    public boolean isEmpty()
    {
        return count == 0 && cancelCount == 0;
    }

    /**
     * Hands everything kept to the sink: cancel answers first (a completion may free the slot, and the answer must
     * reach it before that), then the completions, each after {@code release} has freed its slot.
     *
     * @param sink    the sink of the current reap.
     * @param release the backend's bookkeeping per completion.
     * @return how many answers and completions were delivered.
     */
    public int deliver(final CompletionSink sink, final Release release)
    {
        int delivered = 0;
        for (int i = 0; i < cancelCount; i++)
        {
            final Request request = cancelRequests[i];
            cancelRequests[i] = null;
            delivered++;
            sink.cancelResult(request, cancelAnswers[i]);
        }
        cancelCount = 0;
        for (int i = 0; i < count; i++)
        {
            delivered++;
            sink.complete(release.release(indexes[i]), results[i]);
        }
        count = 0;
        return delivered;
    }
}
