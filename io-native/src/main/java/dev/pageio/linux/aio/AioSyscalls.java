package dev.pageio.linux.aio;

import dev.pageio.linux.Arch;
import dev.pageio.linux.Linux;

/**
 * The five kernel AIO system calls, by number ({@link Arch}), through {@link Linux#syscall}: no libaio. Each
 * returns the kernel's result, or {@code -errno}. Addresses are native addresses the caller has checked.
 * Thread-safe (the kernel serialises per context); allocation-free.
 */
final class AioSyscalls
{
    private AioSyscalls()
    {
    }

    /**
     * See man 2 io_setup. {@code *ctxp} must be 0 on entry; on success it holds the context id, which is the
     * address of the context's {@code aio_ring} mapped in this process.
     *
     * @return 0, or -errno (EAGAIN: {@code fs.aio-max-nr} exhausted; EINVAL; ENOSYS; EPERM under seccomp).
     */
    static int io_setup(final int nrEvents, final long ctxpAddress)
    {
        return (int)Linux.syscall(Arch.SYS_IO_SETUP, nrEvents, ctxpAddress, 0, 0, 0, 0);
    }

    /**
     * See man 2 io_destroy. Waits until every request of the context has completed, then unmaps its ring.
     *
     * @return 0 or -errno.
     */
    static int io_destroy(final long ctx)
    {
        return (int)Linux.syscall(Arch.SYS_IO_DESTROY, ctx, 0, 0, 0, 0, 0);
    }

    /**
     * See man 2 io_submit. {@code iocbpp} is the address of an array of {@code nr} iocb addresses.
     *
     * @return how many iocbs were accepted (from the first; fewer than nr when one was refused or the context
     * had no room), or -errno when the first one was refused (EAGAIN: no room in the context).
     */
    static long io_submit(final long ctx, final long nr, final long iocbpp)
    {
        return Linux.syscall(Arch.SYS_IO_SUBMIT, ctx, nr, iocbpp, 0, 0, 0);
    }

    /**
     * See man 2 io_getevents. Copies between {@code minNr} and {@code nr} events to {@code events}, waiting at
     * most the {@code struct timespec} at {@code timeoutAddress} (0: forever).
     *
     * @return events copied, or -errno (EINTR).
     */
    static long io_getevents(final long ctx, final long minNr, final long nr, final long events,
        final long timeoutAddress)
    {
        return Linux.syscall(Arch.SYS_IO_GETEVENTS, ctx, minNr, nr, events, timeoutAddress, 0);
    }

    /**
     * See man 2 io_cancel. Since Linux 4.19 (fs/aio.c) the result of a canceled request is always delivered
     * through the ring and a successful cancel returns -EINPROGRESS; only requests with a cancel method (POLL,
     * USB gadget) can be canceled: for regular files the kernel answers -EINVAL.
     *
     * @return 0 or -EINPROGRESS when canceled, -errno otherwise.
     */
    static int io_cancel(final long ctx, final long iocb, final long resultAddress)
    {
        return (int)Linux.syscall(Arch.SYS_IO_CANCEL, ctx, iocb, resultAddress, 0, 0, 0);
    }
}
