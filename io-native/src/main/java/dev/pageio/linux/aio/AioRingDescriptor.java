package dev.pageio.linux.aio;

/**
 * Offsets of the header of {@code struct aio_ring}, the completion ring the kernel maps into the process at
 * {@code io_setup}: the {@code aio_context_t} returned is its address. The struct is not in the uapi headers; it
 * is defined in the kernel's {@code fs/aio.c} (Linux 3.10 to 6.x), with {@code AIO_RING_MAGIC 0xa10a10a1},
 * {@code AIO_RING_COMPAT_FEATURES 1}, {@code AIO_RING_INCOMPAT_FEATURES 0}:
 *
 * <pre>
 *  0        4        8        12       16       20                24                  28              32
 *  +--------+--------+--------+--------+--------+-----------------+-------------------+---------------+
 *  | id     | nr     | head   | tail   | magic  | compat_features | incompat_features | header_length |
 *  +--------+--------+--------+--------+--------+-----------------+-------------------+---------------+
 *  32: struct io_event io_events[nr]   ({@link IoEventDescriptor}, 32 bytes each)
 * </pre>
 *
 * <p>Protocol (one reaper per ring, the ring agent): the kernel's {@code aio_complete} writes the event at
 * {@code tail}, then {@code smp_wmb()}, then stores the new {@code tail}. The reaper reads {@code tail} with
 * acquire (pairs with that store), reads the events from {@code head} up to {@code tail} modulo {@code nr}
 * ({@code nr} is not a power of two), and publishes the new {@code head} with release, so that its reads of an
 * event happen before the kernel may reuse the slot ({@code io_submit} refills its free-request count from
 * {@code head} in {@code user_refill_reqs_available}; {@code io_getevents} reads {@code head} under the
 * context's ring lock). The layout is trusted only when {@code magic}, {@code incompat_features} and
 * {@code header_length} are as expected; otherwise the backend reaps with io_getevents.
 */
final class AioRingDescriptor
{
    /** {@code unsigned id}: kernel internal index. */
    static final int ID = 0;
    /** {@code unsigned nr}: number of io_events in the ring. */
    static final int NR = 4;
    /** {@code unsigned head}: next event to consume; written by the reaper. */
    static final int HEAD = 8;
    /** {@code unsigned tail}: next event the kernel writes; written by the kernel. */
    static final int TAIL = 12;
    /** {@code unsigned magic}. */
    static final int MAGIC = 16;
    /** {@code unsigned compat_features}. */
    static final int COMPAT_FEATURES = 20;
    /** {@code unsigned incompat_features}. */
    static final int INCOMPAT_FEATURES = 24;
    /** {@code unsigned header_length}: sizeof(struct aio_ring). */
    static final int HEADER_LENGTH = 28;
    /** Offset of {@code io_events[0]}. */
    static final int EVENTS = 32;

    /** {@code AIO_RING_MAGIC}. */
    static final int RING_MAGIC = 0xa10a10a1;
    /** {@code AIO_RING_INCOMPAT_FEATURES}. */
    static final int RING_INCOMPAT_FEATURES = 0;
    /** The header length this layout describes. */
    static final int RING_HEADER_LENGTH = 32;

    private AioRingDescriptor()
    {
    }
}
