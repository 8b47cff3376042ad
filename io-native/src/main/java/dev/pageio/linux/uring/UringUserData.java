package dev.pageio.linux.uring;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;

import java.util.Arrays;

/**
 * What a {@link UringBackend} has in its ring, by {@code user_data}: each request slot's user_data while its SQE is
 * in the ring ({@link #LOCAL} while it waits for a local completion, 0 when free), the counts of requests and
 * internal operations in flight, and the dispatch of a reaped CQE to the sink or to the internal operation it ends.
 *
 * <pre>
 *   user_data: | tag (63..56) | 0 (55..48) | generation, low 32 bits (47..16) | slot index (15..0) |
 * </pre>
 *
 * The tag is {@link #TAG_REQUEST}, {@link #TAG_CANCEL}, {@link #TAG_WAKE} or {@link #TAG_NOP}; the generation makes a
 * cancel name exactly one use of a slot, and the tag keeps an internal completion from being taken for a request's.
 *
 * <p>Threading: the ring agent only.
 */
final class UringUserData
{
    static final long TAG_REQUEST = 1L << 56;
    static final long TAG_CANCEL = 2L << 56;
    static final long TAG_WAKE = 3L << 56;
    static final long TAG_NOP = 4L << 56;
    private static final long TAG_MASK = 0xFFL << 56;
    /** The user_data of a request completed without the kernel, until its local completion is reaped. */
    private static final long LOCAL = -1L;

    private final int queueDepth;
    private final Request[] slots;
    /** user_data of the slot's SQE while the request is in the ring, {@link #LOCAL}, or 0. */
    private final long[] userData;
    private int requestsInFlight;
    private int internalInFlight;
    /** True while the internal read of the wakeup eventfd is in the ring. */
    private boolean wakeArmed;
    private long wakeCompletions;
    private long nopCompletions;
    private long unknownCompletions;

    UringUserData(final int queueDepth)
    {
        this.queueDepth = queueDepth;
        this.slots = new Request[queueDepth];
        this.userData = new long[queueDepth];
    }

    /** @return the user_data of {@code request}'s SQE in slot {@code index}. */
    static long ofRequest(final Request request, final int index)
    {
        return TAG_REQUEST | (request.generation() & 0xFFFF_FFFFL) << 16 | index;
    }

    /** @return true while slot {@code index} holds a request (in the ring, or waiting for its local completion). */
    boolean taken(final int index)
    {
        return userData[index] != 0;
    }

    /** A request's SQE went into the ring with {@code ud}. */
    void add(final int index, final Request request, final long ud)
    {
        slots[index] = request;
        userData[index] = ud;
        requestsInFlight++;
    }

    /** A request that never reaches the kernel: it waits for its local completion. */
    void addLocal(final int index, final Request request)
    {
        slots[index] = request;
        userData[index] = LOCAL;
        requestsInFlight++;
    }

    /** @return the request of a local completion delivered now, its slot freed. */
    Request releaseLocal(final int index)
    {
        userData[index] = 0;
        requestsInFlight--;
        return slots[index];
    }

    /** @return the user_data an ASYNC_CANCEL of {@code request} in slot {@code index} names. */
    long cancelTarget(final int index, final Request request)
    {
        slots[index] = request;
        return userData[index] > 0 ? userData[index] : ofRequest(request, index);
    }

    /** An internal SQE went into the ring. */
    void internalAdded()
    {
        internalInFlight++;
    }

    /** @return the request in slot {@code index} whose SQE is in the ring, or null (free, or local). */
    Request inKernel(final int index)
    {
        return userData[index] != 0 && userData[index] != LOCAL ? slots[index] : null;
    }

    /**
     * One reaped CQE: a request's completion goes to {@code sink}, a cancel's answer too; the wakeup read and the
     * NOPs are counted; a CQE that names nothing in the ring is counted as unknown and dropped.
     *
     * @return 1 when a request completed, else 0.
     */
    int dispatch(final long ud, final int res, final CompletionSink sink)
    {
        final long tag = ud & TAG_MASK;
        final int index = (int)(ud & 0xFFFF);
        if (tag == TAG_REQUEST)
        {
            if (index >= queueDepth || userData[index] != ud)
            {
                unknownCompletions++;
                return 0;
            }
            final Request request = slots[index];
            userData[index] = 0;
            requestsInFlight--;
            sink.complete(request, res);
            return 1;
        }
        internalInFlight--;
        if (tag == TAG_CANCEL)
        {
            sink.cancelResult(slots[index], res);
        }
        else if (tag == TAG_WAKE)
        {
            wakeArmed = false;
            wakeCompletions++;
        }
        else if (tag == TAG_NOP)
        {
            nopCompletions++;
        }
        else
        {
            internalInFlight++;
            unknownCompletions++;
        }
        return 0;
    }

    boolean wakeArmed()
    {
        return wakeArmed;
    }

    void wakeArmed(final boolean armed)
    {
        this.wakeArmed = armed;
    }

    int requestsInFlight()
    {
        return requestsInFlight;
    }

    int internalInFlight()
    {
        return internalInFlight;
    }

    long wakeCompletions()
    {
        return wakeCompletions;
    }

    long nopCompletions()
    {
        return nopCompletions;
    }

    long unknownCompletions()
    {
        return unknownCompletions;
    }

    /** @return a copy of the slots, to keep their buffers reachable after a close that could not drain. */
    Object[] slotsCopy()
    {
        return slots.clone();
    }

    /** Forgets every request (the backend is closed). */
    void clear()
    {
        Arrays.fill(slots, null);
    }
}
