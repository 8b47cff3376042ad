package dev.pageio.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One batch of {@link IoRing#submitBatch} ({@code lio_listio}): the all-or-nothing checks and the queueing of its
 * members ({@link #submit}), then the count of its members down to its one completion, noting those that failed
 * (lio_listio's EIO). A part of the API side, beside {@link IoRing} and {@link IoRequest}: each member points to its
 * batch until it is done.
 *
 * <p>Threading: {@link #submit}: the submitting thread. {@link #onDone}: any thread (a member's completion).
 */
final class RequestBatch
{
    private final IoRequest[] members;
    private final boolean[] failed;
    private final AtomicInteger remaining;
    private final CompletableFuture<Void> future = new CompletableFuture<>();

    private RequestBatch(final IoRequest[] members)
    {
        this.members = members.clone();
        this.failed = new boolean[members.length];
        remaining = new AtomicInteger(members.length);
        if (members.length == 0)
        {
            future.complete(null);
        }
    }

    /** A member is done ({@code failed}: failed or canceled); any thread. */
    void onDone(final IoRequest member, final boolean memberFailed)
    {
        if (memberFailed)
        {
            for (int i = 0; i < members.length; i++)
            {
                if (members[i] == member)
                {
                    // plain write, published to the last member by the decrement below
                    failed[i] = true;
                }
            }
        }
        if (remaining.decrementAndGet() == 0)
        {
            final List<IoRequest> bad = new ArrayList<>();
            for (int i = 0; i < members.length; i++)
            {
                if (failed[i])
                {
                    bad.add(members[i]);
                }
            }
            if (bad.isEmpty())
            {
                future.complete(null);
            }
            else
            {
                future.completeExceptionally(new BatchFailedException(bad, members.length));
            }
        }
    }

    /**
     * Checks every member, takes a slot for each, then fills and publishes them (see {@link IoRing#submitBatch}).
     *
     * @return completes when every member is done (already done for WAIT).
     */
    static CompletableFuture<Void> submit(final IoRing ring, final Submission submission, final RingDriver driver,
        final BatchMode mode, final IoRequest[] requests)
    {
        final int n = requests.length;
        if (n > ring.capacity())
        {
            throw new IllegalArgumentException("batch larger than the ring: batch=" + n + " queueDepth=" + ring.capacity());
        }
        if (mode == BatchMode.WAIT && driver.onAgentThread())
        {
            throw new IllegalStateException("a WAIT batch cannot be submitted from the ring's own agent thread");
        }
        final long[] lengths = new long[n];
        final Set<IoRequest> seen = Collections.newSetFromMap(new IdentityHashMap<>(n * 2));
        for (int i = 0; i < n; i++)
        {
            final IoRequest request = requests[i];
            if (request == null)
            {
                throw new NullPointerException("batch member null: index=" + i);
            }
            if (request.op == null || request.file == null)
            {
                throw new IllegalArgumentException("batch holds a request with no operation described: index=" + i +
                    " request=" + request);
            }
            if (request.status() == IoStatus.IN_PROGRESS)
            {
                throw new IllegalStateException("batch holds a request in progress: index=" + i + " request=" + request);
            }
            if (!seen.add(request))
            {
                throw new IllegalArgumentException("batch holds the same request twice: index=" + i + " request=" + request);
            }
            if (request.file.ring() != ring)
            {
                throw new IllegalArgumentException("request's file is on another ring: index=" + i + " file=" + request.file);
            }
            try
            {
                lengths[i] = submission.check(request.file.state(), request.op, request.fileOffset, request.buffer,
                    request.buffers, IoRequest.HANDLER);
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException(e.getMessage() + " (batch member index=" + i + ")", e);
            }
        }
        final Slot[] slots = submission.acquireAll(n);
        final RequestBatch batch = new RequestBatch(requests);
        for (int i = 0; i < n; i++)
        {
            final IoRequest request = requests[i];
            try
            {
                request.begin(batch);
            }
            catch (final IllegalStateException e)
            {
                // Submitted by another thread since the check: not ours to fail; the batch counts it as failed.
                submission.releaseUnfilled(slots[i]);
                batch.onDone(request, true);
                continue;
            }
            try
            {
                final Slot slot = submission.fillSlot(slots[i], request.file.state(), request.op, request.fileOffset,
                    lengths[i], request.buffer, request.buffers, IoRequest.HANDLER, request, 0);
                request.slot = slot;
                request.slotGeneration = slot.generation();
                submission.publish(slot);
            }
            catch (final QueueFullException e)
            {
                request.notAccepted(Errno.EAGAIN, e);
            }
            catch (final RingInterruptedException e)
            {
                request.notAccepted(Errno.EINTR, e);
            }
            catch (final RuntimeException e)
            {
                request.notAccepted(Errno.ECANCELED, e);
            }
        }
        if (mode == BatchMode.WAIT)
        {
            driver.awaitFuture(batch.future, "batch of " + n);
        }
        return batch.future;
    }
}
