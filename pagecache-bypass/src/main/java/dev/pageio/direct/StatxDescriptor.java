package dev.pageio.direct;

/**
 * Offsets of {@code struct statx} and the constants of statx(2), as in {@code /usr/include/linux/stat.h}
 * (identical on x86-64 and aarch64: fixed-width fields, 256 bytes).
 *
 * <pre>
 *  0x00  __u32 stx_mask           what the kernel filled in            [read]
 *  0x04  __u32 stx_blksize        preferred I/O size                   [read]
 *  0x08  __u64 stx_attributes
 *  0x10  __u32 stx_nlink, stx_uid, stx_gid; __u16 stx_mode, __spare0
 *  0x20  __u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask
 *  0x40  struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime (16 bytes each)
 *  0x80  __u32 stx_rdev_major, stx_rdev_minor
 *  0x88  __u32 stx_dev_major      device holding the file              [read]
 *  0x8c  __u32 stx_dev_minor                                           [read]
 *  0x90  __u64 stx_mnt_id
 *  0x98  __u32 stx_dio_mem_align  buffer alignment for O_DIRECT        [read, STATX_DIOALIGN, Linux 6.1+]
 *  0x9c  __u32 stx_dio_offset_align  offset/length alignment          [read, STATX_DIOALIGN]
 *  0xa0  __u64 __spare3[12]
 *  0x100 end
 * </pre>
 *
 * Both dio fields are 0 when the file does not support direct I/O (man 2 statx). Newer kernels add
 * {@code stx_dio_read_offset_align} (STATX_DIO_READ_ALIGN, XFS) in the spare area; not read here: the
 * general offset alignment is always sufficient for reads too.
 */
final class StatxDescriptor
{
    /** sizeof(struct statx). */
    static final int SIZE = 0x100;
    static final int STX_MASK = 0x00;
    static final int STX_BLKSIZE = 0x04;
    static final int STX_SIZE = 0x28;
    static final int STX_DEV_MAJOR = 0x88;
    static final int STX_DEV_MINOR = 0x8c;
    static final int STX_DIO_MEM_ALIGN = 0x98;
    static final int STX_DIO_OFFSET_ALIGN = 0x9c;

    /** stx_mask bit: stx_dio_mem_align and stx_dio_offset_align are filled in. */
    static final int STATX_DIOALIGN = 0x2000;
    /** dirfd meaning "relative to the working directory" ({@code linux/fcntl.h}); unused with AT_EMPTY_PATH. */
    static final int AT_FDCWD = -100;
    /** With an empty path, statx describes the descriptor itself ({@code linux/fcntl.h}). */
    static final int AT_EMPTY_PATH = 0x1000;

    private StatxDescriptor()
    {
    }
}
