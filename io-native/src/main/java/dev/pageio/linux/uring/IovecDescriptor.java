package dev.pageio.linux.uring;

/**
 * Offsets of {@code struct iovec} ({@code /usr/include/bits/types/struct_iovec.h}, man 2 readv), also the
 * element of the IORING_REGISTER_BUFFERS array.
 *
 * <pre>
 *   0 iov_base u64 (address) | 8 iov_len u64    (16 bytes)
 * </pre>
 */
final class IovecDescriptor
{
    static final int BASE = 0;
    static final int LEN = 8;
    static final int SIZE = 16;

    private IovecDescriptor()
    {
    }
}
