package dev.pageio.direct;

import dev.pageio.linux.Arch;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds the O_DIRECT alignment of an open file, best source first: statx(2) {@code STATX_DIOALIGN}; the
 * logical block size of the device under the filesystem; the filesystem block size. Runs once per open.
 */
final class AlignmentDiscovery
{
    /** The statx fields discovery reads, or {@code ok=false} when statx itself failed (ENOSYS, EPERM). */
    static final class Statx
    {
        final boolean ok;
        final int errno;
        final int mask;
        final int blockSize;
        final int devMajor;
        final int devMinor;
        final int dioMemAlign;
        final int dioOffsetAlign;

        Statx(final boolean ok, final int errno, final int mask, final int blockSize, final int devMajor,
            final int devMinor, final int dioMemAlign, final int dioOffsetAlign)
        {
            this.ok = ok;
            this.errno = errno;
            this.mask = mask;
            this.blockSize = blockSize;
            this.devMajor = devMajor;
            this.devMinor = devMinor;
            this.dioMemAlign = dioMemAlign;
            this.dioOffsetAlign = dioOffsetAlign;
        }

        boolean hasDioAlign()
        {
            return ok && (mask & StatxDescriptor.STATX_DIOALIGN) != 0;
        }
    }

    private AlignmentDiscovery()
    {
    }

    /**
     * statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN): describes the descriptor itself.
     *
     * @param fd an open descriptor.
     * @return the fields, or {@code ok=false} with the errno.
     */
    static Statx statx(final int fd)
    {
        // 256 bytes of struct statx, then one zero byte: the empty path AT_EMPTY_PATH wants.
        final ByteBuffer stx = ByteBuffer.allocateDirect(StatxDescriptor.SIZE + 8).order(ByteOrder.nativeOrder());
        final long address = Linux.address(stx);
        final long r = Linux.syscall(Arch.SYS_STATX, fd, address + StatxDescriptor.SIZE,
            StatxDescriptor.AT_EMPTY_PATH, StatxDescriptor.STATX_DIOALIGN, address, 0);
        if (r < 0)
        {
            return new Statx(false, (int)-r, 0, 0, 0, 0, 0, 0);
        }
        return new Statx(true, 0, stx.getInt(StatxDescriptor.STX_MASK), stx.getInt(StatxDescriptor.STX_BLKSIZE),
            stx.getInt(StatxDescriptor.STX_DEV_MAJOR), stx.getInt(StatxDescriptor.STX_DEV_MINOR),
            stx.getInt(StatxDescriptor.STX_DIO_MEM_ALIGN), stx.getInt(StatxDescriptor.STX_DIO_OFFSET_ALIGN));
    }

    /**
     * @param fd an O_DIRECT descriptor.
     * @param fs its filesystem.
     * @return its alignment.
     */
    static Alignment discover(final int fd, final FileSystemType fs)
    {
        final Statx stx = statx(fd);
        final int logical = stx.ok ? logicalBlockSize(stx.devMajor, stx.devMinor) : 0;
        return choose(stx, logical, fs.blockSize());
    }

    /**
     * The choice, apart from the system calls.
     *
     * @param stx              statx's answer.
     * @param logicalBlockSize the device's logical block size, or 0 when there is no block device.
     * @param fsBlockSize      statfs {@code f_bsize}.
     * @return the alignment.
     */
    static Alignment choose(final Statx stx, final int logicalBlockSize, final long fsBlockSize)
    {
        // man 2 statx: both dio fields are 0 when direct I/O is not supported on the file; then fall through.
        if (stx.hasDioAlign() && isPowerOfTwo(stx.dioMemAlign) && isPowerOfTwo(stx.dioOffsetAlign))
        {
            return new Alignment(stx.dioMemAlign, stx.dioOffsetAlign, Alignment.Source.STATX_DIOALIGN);
        }
        if (isPowerOfTwo(logicalBlockSize))
        {
            // Older kernels also wanted buffers aligned to the logical block size (the DMA alignment is
            // usually smaller): the same number for both is safe.
            return new Alignment(logicalBlockSize, logicalBlockSize, Alignment.Source.BLOCK_DEVICE);
        }
        final int fsBlock = fsBlockSize > 0 && fsBlockSize <= (1 << 20) && isPowerOfTwo((int)fsBlockSize) ?
            (int)fsBlockSize : 4096;
        return new Alignment(fsBlock, fsBlock, Alignment.Source.FS_BLOCK_SIZE);
    }

    private static boolean isPowerOfTwo(final int value)
    {
        return value > 0 && (value & (value - 1)) == 0;
    }

    /**
     * The logical block size of a block device, or of the whole disk when it is a partition (a partition's
     * sysfs directory has no {@code queue}; its parent has).
     *
     * @return bytes, or 0 when there is no such block device (tmpfs, btrfs's anonymous devices, overlayfs).
     */
    static int logicalBlockSize(final int major, final int minor)
    {
        if (major == 0)
        {
            return 0;
        }
        try
        {
            final Path device = Paths.get("/sys/dev/block/" + major + ":" + minor);
            if (!Files.exists(device))
            {
                return 0;
            }
            Path size = device.resolve("queue/logical_block_size");
            if (!Files.exists(size))
            {
                final Path parent = device.toRealPath().getParent();
                size = parent == null ? null : parent.resolve("queue/logical_block_size");
            }
            if (size == null || !Files.exists(size))
            {
                return 0;
            }
            return Integer.parseInt(new String(Files.readAllBytes(size), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | NumberFormatException | SecurityException e)
        {
            return 0;
        }
    }
}
