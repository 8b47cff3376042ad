package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The filesystem a descriptor lives on, from fstatfs(2): its magic number, a name for messages and its
 * block size. Magic numbers from {@code /usr/include/linux/magic.h}.
 */
public final class FileSystemType
{
    private static final long[] MAGICS = {
        0xEF53L, 0x58465342L, 0x01021994L, 0x9123683EL, 0x794c7630L, 0x65735546L, 0x858458f6L, 0x9fa0L,
        0x62656572L, 0x6969L, 0xF2F52010L, 0x2fc12fc1L, 0x73717368L, 0xE0F5E1E2L, 0x958458f6L, 0xFF534D42L,
        0xFE534D42L, 0x01021997L, 0x4d44L, 0x2011BAB0L, 0x9660L, 0x00c36400L, 0x7461636fL, 0xca451a4eL,
        0x64626720L, 0x74726163L, 0x63677270L, 0x1cd1L,
    };
    private static final String[] NAMES = {
        "ext4", "xfs", "tmpfs", "btrfs", "overlayfs", "fuse", "ramfs", "proc",
        "sysfs", "nfs", "f2fs", "zfs", "squashfs", "erofs", "hugetlbfs", "cifs",
        "smb2", "9p", "vfat", "exfat", "iso9660", "ceph", "ocfs2", "bcachefs",
        "debugfs", "tracefs", "cgroup2", "devpts",
    };

    private final long magic;
    private final long blockSize;

    FileSystemType(final long magic, final long blockSize)
    {
        this.magic = magic;
        this.blockSize = blockSize;
    }

    /**
     * @param fd an open descriptor.
     * @return the filesystem holding it.
     * @throws IllegalStateException naming the errno when fstatfs fails (a bad descriptor).
     */
    static FileSystemType of(final int fd)
    {
        final ByteBuffer statfs = ByteBuffer.allocateDirect(StatfsDescriptor.SIZE).order(ByteOrder.nativeOrder());
        final int r = Linux.fstatfs(fd, Linux.address(statfs));
        if (r < 0)
        {
            throw new IllegalStateException("fstatfs failed: errno=" + Errno.name(-r) + " fd=" + fd);
        }
        return new FileSystemType(statfs.getLong(StatfsDescriptor.F_TYPE) & 0xFFFF_FFFFL,
            statfs.getLong(StatfsDescriptor.F_BSIZE));
    }

    /**
     * @param magic a statfs {@code f_type}.
     * @return its name ({@code "ext4"} for the ext2/3/4 magic), or {@code "unknown(0x...)"}.
     */
    public static String name(final long magic)
    {
        for (int i = 0; i < MAGICS.length; i++)
        {
            if (MAGICS[i] == magic)
            {
                return NAMES[i];
            }
        }
        return "unknown(0x" + Long.toHexString(magic) + ")";
    }

    /** @return the statfs {@code f_type}. */
    public long magic()
    {
        return magic;
    }

    /** @return a name for messages: {@code ext4} (also ext2/ext3, which share the magic), {@code tmpfs}… */
    public String name()
    {
        return name(magic);
    }

    /** @return statfs {@code f_bsize}. */
    public long blockSize()
    {
        return blockSize;
    }

    @Override
    public String toString()
    {
        return name() + "(magic=0x" + Long.toHexString(magic) + " blockSize=" + blockSize + ")";
    }
}
