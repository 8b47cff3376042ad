package dev.pageio.direct;

/**
 * Offsets of glibc's {@code struct statfs} on 64-bit Linux ({@code bits/statfs.h}; the kernel's
 * {@code asm-generic/statfs.h} with a 64-bit {@code __statfs_word}, the same on x86-64 and aarch64).
 *
 * <pre>
 *  0x00  f_type     filesystem magic (linux/magic.h)    [read]
 *  0x08  f_bsize    optimal transfer block size         [read]
 *  0x10  f_blocks, f_bfree, f_bavail, f_files, f_ffree
 *  0x38  f_fsid     (2 x int)
 *  0x40  f_namelen, f_frsize, f_flags, f_spare[4]
 *  0x78  end
 * </pre>
 */
final class StatfsDescriptor
{
    /** sizeof(struct statfs). */
    static final int SIZE = 0x78;
    static final int F_TYPE = 0x00;
    static final int F_BSIZE = 0x08;

    private StatfsDescriptor()
    {
    }
}
