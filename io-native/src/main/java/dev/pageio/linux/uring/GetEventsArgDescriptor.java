package dev.pageio.linux.uring;

/**
 * Offsets of {@code struct io_uring_getevents_arg} ({@code /usr/include/linux/io_uring.h}), passed to
 * io_uring_enter with {@code IORING_ENTER_EXT_ARG}, followed in the same scratch block by the
 * {@code struct __kernel_timespec} it points to ({@code /usr/include/linux/time_types.h}).
 *
 * <pre>
 *   0 sigmask u64 (0: no mask) | 8 sigmask_sz u32 | 12 pad u32 | 16 ts u64 (address of the timespec)
 *  24 (size)
 *  timespec: 0 tv_sec s64 | 8 tv_nsec s64   (16 bytes)
 * </pre>
 */
final class GetEventsArgDescriptor
{
    static final int SIGMASK = 0;
    static final int SIGMASK_SZ = 8;
    static final int PAD = 12;
    static final int TS = 16;
    static final int SIZE = 24;

    static final int TIMESPEC_TV_SEC = 0;
    static final int TIMESPEC_TV_NSEC = 8;
    static final int TIMESPEC_SIZE = 16;

    private GetEventsArgDescriptor()
    {
    }
}
