package dev.pageio.linux.uring;

import dev.pageio.linux.Arch;
import dev.pageio.linux.Linux;

/**
 * The three io_uring system calls and the constants of {@code /usr/include/linux/io_uring.h} this engine
 * uses. Each call returns the kernel's result, or {@code -errno}. Thread-safe; allocation-free.
 *
 * <p>Syscall numbers come from {@link Arch} (425..427 on x86-64 and aarch64 alike); an unknown architecture
 * is refused by {@link Arch#requireSupported()} before any call.
 */
final class UringSyscalls
{
    // io_uring_setup() flags (io_uring.h: IORING_SETUP_*)
    static final int IORING_SETUP_SQPOLL = 1 << 1;
    /** linux/io_uring.h: no IPI to run completion task work; it runs at the task's next kernel entry (5.19+). */
    static final int IORING_SETUP_COOP_TASKRUN = 1 << 8;
    /** linux/io_uring.h: with COOP_TASKRUN, IORING_SQ_TASKRUN in sq.flags says task work is pending (5.19+). */
    static final int IORING_SETUP_TASKRUN_FLAG = 1 << 9;
    /** linux/io_uring.h: the ring starts disabled; IORING_REGISTER_ENABLE_RINGS enables it (5.10+). */
    static final int IORING_SETUP_R_DISABLED = 1 << 6;
    /** linux/io_uring.h: one task submits (the one that enables the ring, with R_DISABLED) (6.0+). */
    static final int IORING_SETUP_SINGLE_ISSUER = 1 << 12;
    /** linux/io_uring.h: completion work runs only when the issuer enters with GETEVENTS (6.1+). */
    static final int IORING_SETUP_DEFER_TASKRUN = 1 << 13;
    /** linux/io_uring.h: enables a ring set up with R_DISABLED; the caller becomes the single issuer. */
    static final int IORING_REGISTER_ENABLE_RINGS = 12;
    static final int IORING_SETUP_CQSIZE = 1 << 3;
    static final int IORING_SETUP_CLAMP = 1 << 4;
    static final int IORING_SETUP_SUBMIT_ALL = 1 << 7;

    // io_uring_params.features (IORING_FEAT_*)
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final int IORING_FEAT_NODROP = 1 << 1;
    static final int IORING_FEAT_SUBMIT_STABLE = 1 << 2;
    static final int IORING_FEAT_EXT_ARG = 1 << 8;

    // enum io_uring_op
    static final int IORING_OP_NOP = 0;
    static final int IORING_OP_READV = 1;
    static final int IORING_OP_WRITEV = 2;
    static final int IORING_OP_FSYNC = 3;
    static final int IORING_OP_READ_FIXED = 4;
    static final int IORING_OP_WRITE_FIXED = 5;
    static final int IORING_OP_ASYNC_CANCEL = 14;
    static final int IORING_OP_READ = 22;
    static final int IORING_OP_WRITE = 23;

    // sqe->flags (IOSQE_*)
    static final int IOSQE_FIXED_FILE = 1;

    // sqe->fsync_flags
    static final int IORING_FSYNC_DATASYNC = 1;

    // sq_ring->flags (IORING_SQ_*)
    static final int IORING_SQ_NEED_WAKEUP = 1;
    static final int IORING_SQ_CQ_OVERFLOW = 1 << 1;
    /** linux/io_uring.h: task work (completions to post) is pending; an enter with GETEVENTS runs it. */
    static final int IORING_SQ_TASKRUN = 1 << 2;

    // io_uring_enter() flags (IORING_ENTER_*)
    static final int IORING_ENTER_GETEVENTS = 1;
    static final int IORING_ENTER_SQ_WAKEUP = 1 << 1;
    static final int IORING_ENTER_SQ_WAIT = 1 << 2;
    static final int IORING_ENTER_EXT_ARG = 1 << 3;

    // io_uring_register() opcodes (IORING_REGISTER_*)
    static final int IORING_REGISTER_BUFFERS = 0;
    static final int IORING_UNREGISTER_BUFFERS = 1;
    static final int IORING_REGISTER_FILES = 2;
    static final int IORING_UNREGISTER_FILES = 3;
    static final int IORING_REGISTER_EVENTFD = 4;
    static final int IORING_UNREGISTER_EVENTFD = 5;
    static final int IORING_REGISTER_PROBE = 8;

    // mmap offsets (IORING_OFF_*)
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;

    // struct io_uring_probe_op.flags
    static final int IO_URING_OP_SUPPORTED = 1;

    /** Largest ring sizes the kernel accepts without CLAMP (io_uring/io_uring.h: IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES). */
    static final int IORING_MAX_ENTRIES = 32768;
    static final int IORING_MAX_CQ_ENTRIES = 2 * IORING_MAX_ENTRIES;

    private UringSyscalls()
    {
    }

    /**
     * See man 2 io_uring_setup.
     *
     * @param entries       SQ size asked for.
     * @param paramsAddress address of a zeroed-then-filled {@code struct io_uring_params}
     *                      ({@link IoUringParamsDescriptor}); the kernel writes the ring offsets back.
     * @return the ring's descriptor, or {@code -errno}.
     */
    static int setup(final int entries, final long paramsAddress)
    {
        return (int)Linux.syscall(Arch.SYS_IO_URING_SETUP, entries, paramsAddress, 0, 0, 0, 0);
    }

    /**
     * See man 2 io_uring_enter.
     *
     * @return SQEs consumed, or {@code -errno} (-ETIME when a wait timed out, -EINTR on a signal).
     */
    static int enter(final int fd, final int toSubmit, final int minComplete, final int flags, final long arg,
        final long argSize)
    {
        return (int)Linux.syscall(Arch.SYS_IO_URING_ENTER, fd, toSubmit, minComplete, flags, arg, argSize);
    }

    /**
     * See man 2 io_uring_register.
     *
     * @return 0 (or an opcode-specific value), or {@code -errno}.
     */
    static int register(final int fd, final int opcode, final long arg, final int nrArgs)
    {
        return (int)Linux.syscall(Arch.SYS_IO_URING_REGISTER, fd, opcode, arg, nrArgs, 0, 0);
    }
}
