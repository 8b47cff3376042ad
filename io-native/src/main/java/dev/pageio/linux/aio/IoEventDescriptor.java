package dev.pageio.linux.aio;

/**
 * Offsets of {@code struct io_event} ({@code /usr/include/linux/aio_abi.h}), 32 bytes, written by the kernel
 * into the aio_ring (or into the array given to io_getevents).
 *
 * <pre>
 *  0             8             16            24            32
 *  +-------------+-------------+-------------+-------------+
 *  | data (u64)  | obj (u64)   | res (s64)   | res2 (s64)  |
 *  +-------------+-------------+-------------+-------------+
 * </pre>
 */
final class IoEventDescriptor
{
    /** sizeof(struct io_event). */
    static final int SIZE = 32;
    /** {@code __u64 data}: the iocb's aio_data. */
    static final int DATA = 0;
    /** {@code __u64 obj}: the user address of the iocb. */
    static final int OBJ = 8;
    /** {@code __s64 res}: bytes transferred, 0 for syncs, the ready mask for POLL, or -errno. */
    static final int RES = 16;
    /** {@code __s64 res2}: secondary result (unused by pageio). */
    static final int RES2 = 24;

    private IoEventDescriptor()
    {
    }
}
