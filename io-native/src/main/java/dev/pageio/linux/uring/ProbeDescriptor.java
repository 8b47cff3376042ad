package dev.pageio.linux.uring;

/**
 * Offsets of {@code struct io_uring_probe} and {@code struct io_uring_probe_op}
 * ({@code /usr/include/linux/io_uring.h}), filled by {@code IORING_REGISTER_PROBE}.
 *
 * <pre>
 *  io_uring_probe:    0 last_op u8 | 1 ops_len u8 | 2 resv u16 | 4 resv2 u32[3] | 16 ops[]
 *  io_uring_probe_op: 0 op u8 | 1 resv u8 | 2 flags u16 (IO_URING_OP_SUPPORTED) | 4 resv2 u32   (8 bytes)
 * </pre>
 */
final class ProbeDescriptor
{
    static final int LAST_OP = 0;
    static final int OPS_LEN = 1;
    static final int OPS = 16;

    static final int OP_OP = 0;
    static final int OP_FLAGS = 2;
    static final int OP_SIZE = 8;

    /** Room for this many ops (opcodes are u8). */
    static final int MAX_OPS = 256;
    static final int SIZE = OPS + MAX_OPS * OP_SIZE;

    private ProbeDescriptor()
    {
    }
}
