package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.linux.Arch;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;

/**
 * What the kernel offers kernel AIO, found once per {@link AioEngine}: whether io_setup works at all (else the cause,
 * e.g. {@code "io_setup: ENOSYS"}, or {@code "io_setup: EPERM"} under seccomp), whether it runs IOCB_CMD_FDSYNC and
 * IOCB_CMD_POLL (both Linux 4.18+). Immutable.
 */
final class AioProbe
{
    final String cause;
    final boolean kernelSync;
    final boolean kernelPoll;

    private AioProbe(final String cause, final boolean kernelSync, final boolean kernelPoll)
    {
        this.cause = cause;
        this.kernelSync = kernelSync;
        this.kernelPoll = kernelPoll;
    }

    static AioProbe run()
    {
        if (Arch.UNSUPPORTED_CAUSE != null)
        {
            return new AioProbe(Arch.UNSUPPORTED_CAUSE, false, false);
        }
        try
        {
            return probeKernel();
        }
        catch (final RuntimeException | LinkageError e)
        {
            return new AioProbe("aio probe failed: " + e, false, false);
        }
    }

    // layout: ctx (8) | iocb (64) | iocb* (8) | io_event (32) | timespec (16)
    private static AioProbe probeKernel()
    {
        final int size = 8 + IocbDescriptor.SIZE + 8 + IoEventDescriptor.SIZE + 16;
        final long block = Linux.malloc(size);
        if (block == 0)
        {
            return new AioProbe("aio probe: malloc failed", false, false);
        }
        try
        {
            Linux.memset(block, 0, size);
            final ByteBuffer mem = Linux.wrap(block, size);
            final int r = AioSyscalls.io_setup(1, block);
            if (r < 0)
            {
                return new AioProbe(-r == Errno.EAGAIN ? AioContext.setupFailure(-r, 1) : "io_setup: " + Errno.name(-r),
                    false, false);
            }
            final long ctx = mem.getLong(0);
            try
            {
                final int efd = Linux.eventfd(1, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
                final boolean poll = efd >= 0 && runs(ctx, mem, block, IocbDescriptor.CMD_POLL, efd,
                    IocbDescriptor.POLLIN);
                if (efd >= 0)
                {
                    Linux.close(efd);
                }
                final int memfd = Linux.memfdCreate("pageio-aio-probe", Linux.MFD_CLOEXEC);
                final boolean sync = memfd >= 0 && runs(ctx, mem, block, IocbDescriptor.CMD_FDSYNC, memfd, 0);
                if (memfd >= 0)
                {
                    Linux.close(memfd);
                }
                return new AioProbe(null, sync, poll);
            }
            finally
            {
                AioSyscalls.io_destroy(ctx);
            }
        }
        finally
        {
            Linux.free(block);
        }
    }

    /** Submits one iocb and waits (1 s at most) for its event: true when it was accepted and succeeded. */
    private static boolean runs(final long ctx, final ByteBuffer mem, final long block, final short opcode,
        final int fd, final long buf)
    {
        final int iocb = 8;
        for (int i = 0; i < IocbDescriptor.SIZE; i++)
        {
            mem.put(iocb + i, (byte)0);
        }
        mem.putLong(iocb + IocbDescriptor.DATA, 1);
        mem.putShort(iocb + IocbDescriptor.LIO_OPCODE, opcode);
        mem.putInt(iocb + IocbDescriptor.FILDES, fd);
        mem.putLong(iocb + IocbDescriptor.BUF, buf);
        final int ptr = iocb + IocbDescriptor.SIZE;
        mem.putLong(ptr, block + iocb);
        final int event = ptr + 8;
        final int ts = event + IoEventDescriptor.SIZE;
        mem.putLong(ts, 1);
        mem.putLong(ts + 8, 0);
        if (AioSyscalls.io_submit(ctx, 1, block + ptr) != 1)
        {
            return false;
        }
        final long n = AioSyscalls.io_getevents(ctx, 1, 1, block + event, block + ts);
        return n == 1 && mem.getLong(event + IoEventDescriptor.RES) >= 0;
    }
}
