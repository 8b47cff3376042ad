package dev.pageio.linux.uring;

/**
 * Offsets of {@code struct io_uring_cqe} ({@code /usr/include/linux/io_uring.h}), 16 bytes (no
 * IORING_SETUP_CQE32). The CQE array starts at {@code cq_off.cqes} in the CQ ring mapping.
 *
 * <pre>
 *   0 user_data u64  (sqe->user_data passed back)
 *   8 res s32        (bytes, or -errno)
 *  12 flags u32      (IORING_CQE_F_*)
 * </pre>
 */
final class CqeDescriptor
{
    static final int USER_DATA = 0;
    static final int RES = 8;
    static final int FLAGS = 12;

    static final int SIZE = 16;

    private CqeDescriptor()
    {
    }
}
