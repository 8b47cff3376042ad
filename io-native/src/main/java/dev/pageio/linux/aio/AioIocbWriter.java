package dev.pageio.linux.aio;

import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.AddressCache;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;

/**
 * Writes a request slot's iocb (and, for PREADV/PWRITEV, its iovecs) in the {@link AioBlockDescriptor} block:
 * every field of the iocb, for every request, so that nothing of an earlier use of the slot is left.
 *
 * <p>It refuses what cannot be encoded without letting a wild address reach the kernel: a buffer that is not
 * direct, a range outside its buffer, a segment that names no buffer, a segment count out of range, an operation
 * without an aio command. The backend completes such a request with -EINVAL (the rule of
 * {@code RingBackend.prepare}).
 *
 * <p>Threading: the ring agent only. Allocation-free.
 */
final class AioIocbWriter
{
    private final ByteBuffer mem;
    private final long memory;
    private final AioBlockDescriptor block;
    private final int maxSegments;
    private final AddressCache addressCache;
    private final int completionFd;
    /**
     * Set once someone asked for the completion eventfd ({@link AioBackend#completionEventFd()}): until then no
     * iocb carries IOCB_FLAG_RESFD, so the kernel takes no eventfd reference at submit and signals nothing in the
     * completion path (issue 16 item 2, hypothesis H3 in io-bench/notes/aio-disk-qd32.md). Written by any thread,
     * read by the agent per iocb.
     */
    private volatile boolean signalCompletions;

    AioIocbWriter(final ByteBuffer mem, final long memory, final AioBlockDescriptor block, final int maxSegments,
        final AddressCache addressCache, final int completionFd)
    {
        this.mem = mem;
        this.memory = memory;
        this.block = block;
        this.maxSegments = maxSegments;
        this.addressCache = addressCache;
        this.completionFd = completionFd;
    }

    /** From now on every iocb carries IOCB_FLAG_RESFD with the completion eventfd. */
    void signalCompletions()
    {
        signalCompletions = true;
    }

    /**
     * @param request the request: READ, WRITE, READV, WRITEV, FSYNC or FDATASYNC.
     * @param index   its slot index: the iocb's aio_data.
     * @return true when the iocb is written; false when the request cannot be encoded (nothing was written).
     */
    boolean write(final Request request, final int index)
    {
        final RequestOp op = request.op;
        if (op == null)
        {
            return false;
        }
        final short opcode;
        final long buf;
        final long nbytes;
        switch (op)
        {
            case READ:
            case WRITE:
            {
                final ByteBuffer buffer = request.buffer;
                final int position = request.bufferPosition;
                final long length = request.length;
                if (buffer == null || !buffer.isDirect() || position < 0 || length <= 0 ||
                    length > buffer.capacity() - position)
                {
                    return false;
                }
                opcode = op == RequestOp.READ ? IocbDescriptor.CMD_PREAD : IocbDescriptor.CMD_PWRITE;
                buf = addressCache.address(index, buffer) + position;
                nbytes = length;
                break;
            }
            case READV:
            case WRITEV:
            {
                final int count = request.segmentCount;
                if (count < 1 || count > maxSegments || request.buffers == null)
                {
                    return false;
                }
                final int iov = block.iovecs + index * maxSegments * IocbDescriptor.IOVEC_SIZE;
                for (int i = 0; i < count; i++)
                {
                    final int b = request.segmentBuffers[i];
                    final ByteBuffer buffer = b >= 0 && b < request.buffers.length ? request.buffers[b] : null;
                    final int position = request.segmentPositions[i];
                    final int length = request.segmentLengths[i];
                    if (buffer == null || !buffer.isDirect() || position < 0 || length < 0 ||
                        length > buffer.capacity() - position)
                    {
                        return false;
                    }
                    final int entry = iov + i * IocbDescriptor.IOVEC_SIZE;
                    mem.putLong(entry + IocbDescriptor.IOVEC_BASE, Linux.address(buffer) + position);
                    mem.putLong(entry + IocbDescriptor.IOVEC_LEN, length);
                }
                opcode = op == RequestOp.READV ? IocbDescriptor.CMD_PREADV : IocbDescriptor.CMD_PWRITEV;
                buf = memory + iov;
                nbytes = count;
                break;
            }
            case FSYNC:
            case FDATASYNC:
                opcode = op == RequestOp.FSYNC ? IocbDescriptor.CMD_FSYNC : IocbDescriptor.CMD_FDSYNC;
                buf = 0;
                nbytes = 0;
                break;
            default:
                return false;
        }

        final int iocb = block.iocbs + index * IocbDescriptor.SIZE;
        mem.putLong(iocb + IocbDescriptor.DATA, index);
        mem.putInt(iocb + IocbDescriptor.KEY, 0);
        mem.putInt(iocb + IocbDescriptor.RW_FLAGS, op.syncs() ? 0 : request.rwFlags);
        mem.putShort(iocb + IocbDescriptor.LIO_OPCODE, opcode);
        mem.putShort(iocb + IocbDescriptor.REQPRIO, (short)0);
        mem.putInt(iocb + IocbDescriptor.FILDES, request.fd);
        mem.putLong(iocb + IocbDescriptor.BUF, buf);
        mem.putLong(iocb + IocbDescriptor.NBYTES, nbytes);
        mem.putLong(iocb + IocbDescriptor.OFFSET, op.syncs() ? 0 : request.fileOffset);
        mem.putLong(iocb + IocbDescriptor.RESERVED2, 0);
        final boolean signal = signalCompletions;
        mem.putInt(iocb + IocbDescriptor.FLAGS, signal ? IocbDescriptor.FLAG_RESFD : 0);
        mem.putInt(iocb + IocbDescriptor.RESFD, signal ? completionFd : 0);
        return true;
    }
}
