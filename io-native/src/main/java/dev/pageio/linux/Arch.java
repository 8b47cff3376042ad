package dev.pageio.linux;

import java.util.Locale;

/**
 * Constants that differ by architecture: syscall numbers and {@code open(2)} flags. Keyed by
 * {@code os.arch}; an unknown architecture fails with a clear message the first time it is needed.
 *
 * <p>Sources: {@code arch/x86/entry/syscalls/syscall_64.tbl}, {@code include/uapi/asm-generic/unistd.h}
 * (aarch64), {@code arch/x86/include/uapi/asm/fcntl.h} (none: x86 uses the generic values),
 * {@code arch/arm64/include/uapi/asm/fcntl.h}, {@code include/uapi/asm-generic/fcntl.h}.
 */
public final class Arch
{
    /** The architecture's name as the JVM reports it. */
    public static final String NAME = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
    /** True on a Linux kernel. */
    public static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private static final boolean X86_64 = NAME.equals("amd64") || NAME.equals("x86_64");
    private static final boolean AARCH64 = NAME.equals("aarch64") || NAME.equals("arm64");

    /** Why this architecture is not supported, or null when it is. */
    public static final String UNSUPPORTED_CAUSE = !LINUX ? "not Linux: os.name=" + System.getProperty("os.name") :
        (X86_64 || AARCH64) ? null : "unsupported architecture: os.arch=" + NAME + " supported=amd64,aarch64";

    /** The system call number of io_setup(2) (x86_64, aarch64). */
    public static final int SYS_IO_SETUP = pick(206, 0);
    /** The system call number of io_destroy(2) (x86_64, aarch64). */
    public static final int SYS_IO_DESTROY = pick(207, 1);
    /** The system call number of io_submit(2) (x86_64, aarch64). */
    public static final int SYS_IO_SUBMIT = pick(209, 2);
    /** The system call number of io_cancel(2) (x86_64, aarch64). */
    public static final int SYS_IO_CANCEL = pick(210, 3);
    /** The system call number of io_getevents(2) (x86_64, aarch64). */
    public static final int SYS_IO_GETEVENTS = pick(208, 4);
    /** The system call number of fallocate(2) (x86_64, aarch64). */
    public static final int SYS_FALLOCATE = pick(285, 47);
    /** The system call number of statx(2) (x86_64, aarch64). */
    public static final int SYS_STATX = pick(332, 291);
    /** The system call number of io_uring_setup(2) (x86_64, aarch64). */
    public static final int SYS_IO_URING_SETUP = pick(425, 425);
    /** The system call number of io_uring_enter(2) (x86_64, aarch64). */
    public static final int SYS_IO_URING_ENTER = pick(426, 426);
    /** The system call number of io_uring_register(2) (x86_64, aarch64). */
    public static final int SYS_IO_URING_REGISTER = pick(427, 427);

    /** open(2): open for reading only. */
    public static final int O_RDONLY = 0;
    /** open(2): open for writing only. */
    public static final int O_WRONLY = 1;
    /** open(2): open for reading and writing. */
    public static final int O_RDWR = 2;
    /** open(2): create the file if it does not exist. */
    public static final int O_CREAT = 0100;
    /** open(2): with O_CREAT: fail if the file exists. */
    public static final int O_EXCL = 0200;
    /** open(2): truncate to length 0. */
    public static final int O_TRUNC = 01000;
    /** open(2): every write appends (pageio refuses it for positional I/O). */
    public static final int O_APPEND = 02000;
    /** open(2): non-blocking open and I/O. */
    public static final int O_NONBLOCK = 04000;
    /** open(2): each write is durable (data and the metadata to read it) when it returns. */
    public static final int O_DSYNC = 010000;
    /** open(2): bypass the page cache (differs by architecture). */
    public static final int O_DIRECT = pick(040000, 0200000);
    /** open(2): fail unless the path is a directory (differs by architecture). */
    public static final int O_DIRECTORY = pick(0200000, 040000);
    /** open(2): close on exec. */
    public static final int O_CLOEXEC = 02000000;
    /** open(2): each write is durable, with all metadata, when it returns. */
    public static final int O_SYNC = 04010000;
    /** Generic value on both architectures (asm-generic/fcntl.h); a descriptor for fstatfs without opening the file. */
    public static final int O_PATH = 010000000;

    private Arch()
    {
    }

    /** @throws UnsupportedOperationException when this machine is not a supported Linux. */
    public static void requireSupported()
    {
        if (UNSUPPORTED_CAUSE != null)
        {
            throw new UnsupportedOperationException(UNSUPPORTED_CAUSE);
        }
    }

    private static int pick(final int x86_64, final int aarch64)
    {
        return AARCH64 ? aarch64 : x86_64;
    }
}
