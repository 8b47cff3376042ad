package dev.pageio.linux.uring;

import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.AddressCache;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;

/**
 * Writes SQEs ({@link SqeDescriptor}) into a {@link UringRing}: a request's, with its iovecs for READV/WRITEV, its
 * registered buffer (READ_FIXED/WRITE_FIXED) or registered file (IOSQE_FIXED_FILE) when {@link UringRegistrations}
 * has one, and the backend's internal ones. Every field is written for every SQE.
 *
 * <p>It refuses what cannot be encoded without letting a wild address reach the kernel (see
 * {@link #encodable}); the backend completes such a request with -EINVAL (the rule of {@code RingBackend.prepare}).
 *
 * <p>Threading: the ring agent only; the counters are plain reads for monitoring. Allocation-free.
 */
final class UringSqeWriter
{
    private final UringRing ring;
    private final ByteBuffer sqes;
    private final AddressCache addressCache;
    private final int maxSegments;
    private final long iovecAddress;
    private final ByteBuffer iovecs;
    private final UringRegistrations registrations;
    /** READ/WRITE requests sent as READ_FIXED/WRITE_FIXED. */
    long fixedBufferOps;
    /** Requests sent with IOSQE_FIXED_FILE. */
    long fixedFileOps;

    UringSqeWriter(final UringRing ring, final AddressCache addressCache, final int maxSegments,
        final long iovecAddress, final ByteBuffer iovecs, final UringRegistrations registrations)
    {
        this.ring = ring;
        this.sqes = ring.sqes;
        this.addressCache = addressCache;
        this.maxSegments = maxSegments;
        this.iovecAddress = iovecAddress;
        this.iovecs = iovecs;
        this.registrations = registrations;
    }

    /**
     * Writes the next SQE for a request; the caller checked that the SQ has room.
     *
     * @param request       the request, with an operation and a descriptor.
     * @param index         its slot index.
     * @param userDataValue the SQE's user_data.
     * @return true when written; false when the request cannot be encoded (no SQE was taken).
     */
    boolean write(final Request request, final int index, final long userDataValue)
    {
        final RequestOp op = request.op;
        int opcode;
        long address = 0;
        int length = 0;
        int opFlags = 0;
        int bufIndex = 0;
        long fileOffset = 0;
        switch (op)
        {
            case READ:
            case WRITE:
            {
                fileOffset = request.fileOffset;
                final ByteBuffer buffer = request.buffer;
                final long bytes = request.length;
                if (fileOffset < 0 || !encodable(op, buffer, request.bufferPosition, bytes))
                {
                    return false;
                }
                address = addressCache.address(index, buffer) + request.bufferPosition;
                length = (int)bytes;
                final int fixed = registrations.fixedBufferIndex(address, bytes);
                if (fixed >= 0)
                {
                    opcode = op == RequestOp.READ ? UringSyscalls.IORING_OP_READ_FIXED : UringSyscalls.IORING_OP_WRITE_FIXED;
                    bufIndex = fixed;
                    fixedBufferOps++;
                }
                else
                {
                    opcode = op == RequestOp.READ ? UringSyscalls.IORING_OP_READ : UringSyscalls.IORING_OP_WRITE;
                }
                opFlags = request.rwFlags;
                break;
            }
            case READV:
            case WRITEV:
            {
                fileOffset = request.fileOffset;
                final int count = request.segmentCount;
                final ByteBuffer[] buffers = request.buffers;
                if (fileOffset < 0 || count < 1 || count > maxSegments || buffers == null)
                {
                    return false;
                }
                final int base = index * maxSegments * IovecDescriptor.SIZE;
                for (int i = 0; i < count; i++)
                {
                    final int b = request.segmentBuffers[i];
                    final int position = request.segmentPositions[i];
                    final int segmentLength = request.segmentLengths[i];
                    if (b < 0 || b >= buffers.length || !encodable(op, buffers[b], position, segmentLength))
                    {
                        return false;
                    }
                    final int iov = base + i * IovecDescriptor.SIZE;
                    iovecs.putLong(iov + IovecDescriptor.BASE, Linux.address(buffers[b]) + position);
                    iovecs.putLong(iov + IovecDescriptor.LEN, segmentLength);
                }
                opcode = op == RequestOp.READV ? UringSyscalls.IORING_OP_READV : UringSyscalls.IORING_OP_WRITEV;
                address = iovecAddress + base;
                length = count;
                opFlags = request.rwFlags;
                break;
            }
            case FSYNC:
                opcode = UringSyscalls.IORING_OP_FSYNC;
                break;
            case FDATASYNC:
                opcode = UringSyscalls.IORING_OP_FSYNC;
                opFlags = UringSyscalls.IORING_FSYNC_DATASYNC;
                break;
            case NOP:
                opcode = UringSyscalls.IORING_OP_NOP;
                break;
            default:
                return false;
        }
        int fd = request.fd;
        int sqeFlags = 0;
        final int fixedFile = registrations.fixedFileIndex(request);
        if (fixedFile >= 0)
        {
            fd = fixedFile;
            sqeFlags = UringSyscalls.IOSQE_FIXED_FILE;
            fixedFileOps++;
        }
        writeSqe(opcode, sqeFlags, fd, fileOffset, address, length, opFlags, userDataValue, bufIndex);
        return true;
    }

    /**
     * The checks that protect the JVM: the kernel gets only a direct buffer's address, inside the buffer, and never
     * reads into a read-only one. io_uring would read or write at the file position for offset -1, so a negative
     * offset never passes either (checked by the caller).
     */
    private static boolean encodable(final RequestOp op, final ByteBuffer buffer, final int position, final long length)
    {
        return buffer != null && buffer.isDirect() && position >= 0 && length > 0 &&
            length <= buffer.capacity() - (long)position && !(buffer.isReadOnly() && !op.writes());
    }

    void writeSqe(final int opcode, final int flags, final int fd, final long offset, final long address,
        final int length, final int opFlags, final long userDataValue, final int bufIndex)
    {
        final int sqe = ring.nextSqe();
        final ByteBuffer s = sqes;
        s.put(sqe + SqeDescriptor.OPCODE, (byte)opcode);
        s.put(sqe + SqeDescriptor.FLAGS, (byte)flags);
        s.putShort(sqe + SqeDescriptor.IOPRIO, (short)0);
        s.putInt(sqe + SqeDescriptor.FD, fd);
        s.putLong(sqe + SqeDescriptor.OFF, offset);
        s.putLong(sqe + SqeDescriptor.ADDR, address);
        s.putInt(sqe + SqeDescriptor.LEN, length);
        s.putInt(sqe + SqeDescriptor.OP_FLAGS, opFlags);
        s.putLong(sqe + SqeDescriptor.USER_DATA, userDataValue);
        s.putShort(sqe + SqeDescriptor.BUF_INDEX, (short)bufIndex);
        s.putShort(sqe + SqeDescriptor.PERSONALITY, (short)0);
        s.putInt(sqe + SqeDescriptor.FILE_INDEX, 0);
        s.putLong(sqe + SqeDescriptor.ADDR3, 0L);
        s.putLong(sqe + SqeDescriptor.PAD2, 0L);
    }
}
