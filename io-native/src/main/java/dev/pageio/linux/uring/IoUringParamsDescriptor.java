package dev.pageio.linux.uring;

/**
 * Offsets of {@code struct io_uring_params} and its embedded {@code struct io_sqring_offsets} and
 * {@code struct io_cqring_offsets} ({@code /usr/include/linux/io_uring.h}). The kernel fills the ring
 * offsets at setup; the engine reads every ring field's position from them, never assuming one.
 *
 * <pre>
 *   0 sq_entries      u32     40 sq_off.head         u32     80 cq_off.head         u32
 *   4 cq_entries      u32     44 sq_off.tail         u32     84 cq_off.tail         u32
 *   8 flags           u32     48 sq_off.ring_mask    u32     88 cq_off.ring_mask    u32
 *  12 sq_thread_cpu   u32     52 sq_off.ring_entries u32     92 cq_off.ring_entries u32
 *  16 sq_thread_idle  u32     56 sq_off.flags        u32     96 cq_off.overflow     u32
 *  20 features        u32     60 sq_off.dropped      u32    100 cq_off.cqes         u32
 *  24 wq_fd           u32     64 sq_off.array        u32    104 cq_off.flags        u32
 *  28 resv[3]         u32x3   68 sq_off.resv1        u32    108 cq_off.resv1        u32
 *                             72 sq_off.resv2        u64    112 cq_off.resv2        u64
 *                                                          120 (size)
 * </pre>
 */
final class IoUringParamsDescriptor
{
    static final int SQ_ENTRIES = 0;
    static final int CQ_ENTRIES = 4;
    static final int FLAGS = 8;
    static final int SQ_THREAD_CPU = 12;
    static final int SQ_THREAD_IDLE = 16;
    static final int FEATURES = 20;
    static final int WQ_FD = 24;

    /** struct io_sqring_offsets sq_off. */
    static final int SQ_OFF = 40;
    static final int SQ_OFF_HEAD = SQ_OFF;
    static final int SQ_OFF_TAIL = SQ_OFF + 4;
    static final int SQ_OFF_RING_MASK = SQ_OFF + 8;
    static final int SQ_OFF_RING_ENTRIES = SQ_OFF + 12;
    static final int SQ_OFF_FLAGS = SQ_OFF + 16;
    static final int SQ_OFF_DROPPED = SQ_OFF + 20;
    static final int SQ_OFF_ARRAY = SQ_OFF + 24;

    /** struct io_cqring_offsets cq_off. */
    static final int CQ_OFF = 80;
    static final int CQ_OFF_HEAD = CQ_OFF;
    static final int CQ_OFF_TAIL = CQ_OFF + 4;
    static final int CQ_OFF_RING_MASK = CQ_OFF + 8;
    static final int CQ_OFF_RING_ENTRIES = CQ_OFF + 12;
    static final int CQ_OFF_OVERFLOW = CQ_OFF + 16;
    static final int CQ_OFF_CQES = CQ_OFF + 20;
    static final int CQ_OFF_FLAGS = CQ_OFF + 24;

    static final int SIZE = 120;

    private IoUringParamsDescriptor()
    {
    }
}
