package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.CompletionSink;

import java.nio.ByteBuffer;

/**
 * Every {@code io_uring_enter} a {@link UringBackend} makes, and the CQ loop around it: the one submitting call per
 * batch, the waiting call with its timeout, the reap of the mapped CQ ring with the COOP_TASKRUN and overflow
 * flushes, and the counters of those calls. The backend keeps the checks (open, attached, admission, the wakeup
 * read armed) and calls this room directly; it allocates nothing.
 *
 * <p>Waiting: {@link #await} is {@code io_uring_enter(GETEVENTS, min_complete=1)} with
 * {@code IORING_ENTER_EXT_ARG} and the {@code struct io_uring_getevents_arg} {@link UringWaker} fills for the
 * timeout; a wakeup completes the eventfd read the backend keeps in the ring, so the call returns.
 *
 * <p>Threading: the ring agent only (the counters are plain fields, read by the backend's accessors on that thread).
 */
final class UringSubmitter
{
    private final UringRing ring;
    private final boolean coopTaskRun;
    /** DEFER_TASKRUN rings start disabled: the first thread to use the backend enables it and is its only issuer. */
    private boolean attached;
    /** The requests and internal operations in the ring, by user_data. */
    private final UringUserData inRing;
    /** The wait's scratch block (the getevents arg and its timespec). */
    private final UringWaker waker;

    long enterCalls;
    long submitCalls;
    long requestsSubmitted;

    UringSubmitter(final UringRing ring, final UringUserData inRing, final UringWaker waker)
    {
        this.ring = ring;
        this.coopTaskRun = ring.coopTaskRun();
        this.attached = !ring.deferTaskRun();
        this.inRing = inRing;
        this.waker = waker;
    }

    /** Enables a DEFER_TASKRUN ring from the calling thread, which becomes its single issuer. Once. */
    void attach()
    {
        if (!attached)
        {
            attached = true;
            final int r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_REGISTER_ENABLE_RINGS, 0, 0);
            if (r < 0)
            {
                throw new IllegalStateException("io_uring ENABLE_RINGS failed: " + Errno.name(-r));
            }
        }
    }

    /** {@link UringBackend#submit()} once attached and open: publishes the SQ tail, one io_uring_enter unless SQPOLL. */
    int submit()
    {
        final int pending = ring.unsubmitted();
        if (pending == 0)
        {
            return 0;
        }
        ring.publish();
        if (ring.sqPoll)
        {
            if (ring.needsWakeup())
            {
                enter(0, 0, UringSyscalls.IORING_ENTER_SQ_WAKEUP, 0, 0);
            }
            // the kernel's SQ thread takes them: no submitting system call
            requestsSubmitted += pending;
            return pending;
        }
        submitCalls++;
        final int r = enter(pending, 0, 0, 0, 0);
        if (r >= 0)
        {
            requestsSubmitted += r;
            ring.consumed(r);
            return r;
        }
        if (r == -Errno.EBUSY || r == -Errno.EAGAIN || r == -Errno.EINTR)
        {
            // CQ overflow backlog or no memory for now: the SQEs stay in the ring for the next submit
            return 0;
        }
        throw new IllegalStateException("io_uring_enter failed: errno=" + Errno.name(-r) + " toSubmit=" + pending);
    }

    int enter(final int toSubmit, final int minComplete, final int flags, final long arg, final long argSize)
    {
        enterCalls++;
        return UringSyscalls.enter(ring.fd, toSubmit, minComplete, flags, arg, argSize);
    }

    /**
     * {@link UringBackend#reap} after its local completions: the CQ ring until it is empty, flushing COOP_TASKRUN task
     * work and the kernel's overflow list (NODROP) into it.
     *
     * @param sink where completions go.
     * @param reaped completions already delivered in this reap.
     * @return {@code reaped} plus the completions delivered here.
     */
    int reap(final CompletionSink sink, final int reaped)
    {
        int total = reaped;
        while (true)
        {
            total += drain(sink);
            if (coopTaskRun && ring.taskRunPending())
            {
                // COOP_TASKRUN: completions wait as task work until we enter; the kernel flags it, we run it
                enter(0, 0, UringSyscalls.IORING_ENTER_GETEVENTS, 0, 0);
                total += drain(sink);
            }
            if (!ring.cqOverflow())
            {
                return total;
            }
            // NODROP kept completions that did not fit: GETEVENTS flushes them into the room just made
            enter(0, 0, UringSyscalls.IORING_ENTER_GETEVENTS, 0, 0);
            if (ring.cqTail() == ring.cqHead())
            {
                return total;
            }
        }
    }

    private int drain(final CompletionSink sink)
    {
        final ByteBuffer cq = ring.cq();
        final int tail = ring.cqTail();
        int reaped = 0;
        // signed difference: stays right across wrap-around, and if a sink re-enters reap() and moves the head on
        while (tail - ring.cqHead() > 0)
        {
            final int cqe = ring.cqeOffset(ring.cqHead());
            final long ud = cq.getLong(cqe + CqeDescriptor.USER_DATA);
            final int res = cq.getInt(cqe + CqeDescriptor.RES);
            ring.advanceCq();
            reaped += inRing.dispatch(ud, res, sink);
        }
        return reaped;
    }

    /**
     * {@link UringBackend#await} once the wakeup read is armed: submits what is prepared (without SQPOLL) and waits
     * in the same io_uring_enter for one completion or the timeout.
     */
    void await(final long timeoutNs)
    {
        final int toSubmit = ring.sqPoll ? 0 : ring.unsubmitted();
        ring.publish();
        int flags = UringSyscalls.IORING_ENTER_GETEVENTS | UringSyscalls.IORING_ENTER_EXT_ARG;
        if (ring.sqPoll && ring.needsWakeup())
        {
            flags |= UringSyscalls.IORING_ENTER_SQ_WAKEUP;
        }
        final long arg = waker.timeout(timeoutNs);
        if (toSubmit > 0)
        {
            submitCalls++;
        }
        final int r = enter(toSubmit, 1, flags, arg, GetEventsArgDescriptor.SIZE);
        if (r > 0 && !ring.sqPoll)
        {
            requestsSubmitted += r;
            ring.consumed(r);
        }
        // -ETIME (timeout), -EINTR (signal), -EBUSY (overflow backlog): the agent reaps and carries on
    }
}
