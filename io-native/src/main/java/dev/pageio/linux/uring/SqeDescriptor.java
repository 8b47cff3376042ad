package dev.pageio.linux.uring;

/**
 * Offsets of {@code struct io_uring_sqe} ({@code /usr/include/linux/io_uring.h}), 64 bytes (no
 * IORING_SETUP_SQE128). The SQE array is mmap'd at {@link UringSyscalls#IORING_OFF_SQES}; entry {@code i} starts at
 * {@code i * SIZE}.
 *
 * <pre>
 *   0 opcode u8 | 1 flags u8 | 2 ioprio u16 | 4 fd s32
 *   8 off u64            (union: addr2 — for ASYNC_CANCEL unused)
 *  16 addr u64           (buffer, iovec array, or the user_data to cancel)
 *  24 len u32            (bytes, or iovec count)
 *  28 rw_flags u32       (union: fsync_flags, cancel_flags, timeout_flags…)
 *  32 user_data u64
 *  40 buf_index u16 | 42 personality u16 | 44 file_index u32 (union: splice_fd_in)
 *  48 addr3 u64 | 56 __pad2 u64
 * </pre>
 *
 * <p>Every field is written for every SQE (the ring reuses entries), so no stale value leaks from an earlier
 * operation.
 */
final class SqeDescriptor
{
    static final int OPCODE = 0;
    static final int FLAGS = 1;
    static final int IOPRIO = 2;
    static final int FD = 4;
    static final int OFF = 8;
    static final int ADDR = 16;
    static final int LEN = 24;
    static final int OP_FLAGS = 28;
    static final int USER_DATA = 32;
    static final int BUF_INDEX = 40;
    static final int PERSONALITY = 42;
    static final int FILE_INDEX = 44;
    static final int ADDR3 = 48;
    static final int PAD2 = 56;

    static final int SIZE = 64;

    private SqeDescriptor()
    {
    }
}
