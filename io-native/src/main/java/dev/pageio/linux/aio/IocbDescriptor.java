package dev.pageio.linux.aio;

import java.nio.ByteOrder;

/**
 * Offsets of {@code struct iocb}, the kernel AIO control block ({@code /usr/include/linux/aio_abi.h}), 64 bytes,
 * written by the ring agent in native memory and read by the kernel during {@code io_submit}.
 *
 * <pre>
 *  0                8               12              16        18        20         24
 *  +----------------+---------------+---------------+---------+---------+----------+
 *  | aio_data (u64) | aio_key (LE)  | rw_flags (LE) | opcode  | reqprio | fildes   |
 *  |                | rw_flags (BE) | aio_key (BE)  | (u16)   | (s16)   | (u32)    |
 *  +----------------+---------------+---------------+---------+---------+----------+
 *  24 aio_buf (u64) | 32 aio_nbytes (u64) | 40 aio_offset (s64) | 48 aio_reserved2 (u64)
 *  56 aio_flags (u32) | 60 aio_resfd (u32)
 * </pre>
 *
 * <p>{@code aio_key} and {@code aio_rw_flags} share the second 8-byte word, in an order that depends on the
 * byte order ({@code #if __BYTE_ORDER == __LITTLE_ENDIAN} in aio_abi.h): on little-endian machines aio_key comes
 * first. The kernel writes aio_key (KIOCB_KEY, 0) during io_submit and checks it in io_cancel.
 */
final class IocbDescriptor
{
    /** sizeof(struct iocb). */
    static final int SIZE = 64;
    /** {@code __u64 aio_data}: returned in io_event.data; pageio puts the request's slot index here. */
    static final int DATA = 0;
    /** {@code __u32 aio_key}: set by the kernel. */
    static final int KEY = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 8 : 12;
    /** {@code __kernel_rwf_t aio_rw_flags}: RWF_* flags (Linux 4.13+). */
    static final int RW_FLAGS = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 12 : 8;
    /** {@code __u16 aio_lio_opcode}: IOCB_CMD_*. */
    static final int LIO_OPCODE = 16;
    /** {@code __s16 aio_reqprio}. */
    static final int REQPRIO = 18;
    /** {@code __u32 aio_fildes}. */
    static final int FILDES = 20;
    /** {@code __u64 aio_buf}: buffer address, iovec array address (PREADV/PWRITEV), or poll events (POLL). */
    static final int BUF = 24;
    /** {@code __u64 aio_nbytes}: bytes, or the iovec count of PREADV/PWRITEV. */
    static final int NBYTES = 32;
    /** {@code __s64 aio_offset}. */
    static final int OFFSET = 40;
    /** {@code __u64 aio_reserved2}: must be 0. */
    static final int RESERVED2 = 48;
    /** {@code __u32 aio_flags}: IOCB_FLAG_*. */
    static final int FLAGS = 56;
    /** {@code __u32 aio_resfd}: the eventfd signalled on completion when IOCB_FLAG_RESFD is set. */
    static final int RESFD = 60;

    /** {@code IOCB_CMD_PREAD}. */
    static final short CMD_PREAD = 0;
    /** {@code IOCB_CMD_PWRITE}. */
    static final short CMD_PWRITE = 1;
    /** {@code IOCB_CMD_FSYNC} (executed asynchronously since Linux 4.18). */
    static final short CMD_FSYNC = 2;
    /** {@code IOCB_CMD_FDSYNC} (executed asynchronously since Linux 4.18). */
    static final short CMD_FDSYNC = 3;
    /** {@code IOCB_CMD_POLL} (Linux 4.18+): one-shot poll, aio_buf holds the event mask. */
    static final short CMD_POLL = 5;
    /** {@code IOCB_CMD_PREADV}. */
    static final short CMD_PREADV = 7;
    /** {@code IOCB_CMD_PWRITEV}. */
    static final short CMD_PWRITEV = 8;

    /** {@code IOCB_FLAG_RESFD}: aio_resfd is valid. */
    static final int FLAG_RESFD = 1;

    /** {@code struct iovec} (man 2 readv): {@code void *iov_base; size_t iov_len}, 16 bytes on 64-bit. */
    static final int IOVEC_SIZE = 16;
    /** {@code iov_base}. */
    static final int IOVEC_BASE = 0;
    /** {@code iov_len}. */
    static final int IOVEC_LEN = 8;

    /** {@code POLLIN} (include/uapi/asm-generic/poll.h). */
    static final int POLLIN = 1;

    private IocbDescriptor()
    {
    }
}
