package dev.pageio.core;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;

/**
 * Linux errno values and names. The numbers are those of {@code include/uapi/asm-generic/errno-base.h}
 * and {@code errno.h}, which x86-64 and aarch64 share.
 */
public final class Errno
{
    /** {@code EPERM}: Operation not permitted. */
    public static final int EPERM = 1;
    /** {@code ENOENT}: No such file or directory (a cancel: no such request any more). */
    public static final int ENOENT = 2;
    /** {@code EINTR}: Interrupted system call (resubmitted inside the engines). */
    public static final int EINTR = 4;
    /** {@code EIO}: I/O error (a device error, or a writeback error reported by a sync). */
    public static final int EIO = 5;
    /** {@code ENXIO}: No such device or address. */
    public static final int ENXIO = 6;
    /** {@code EBADF}: Bad file descriptor (also: a read on a file opened write-only). */
    public static final int EBADF = 9;
    /** {@code EAGAIN}: Try again (resubmitted inside the engines). */
    public static final int EAGAIN = 11;
    /** {@code ENOMEM}: Out of memory (io_uring: often RLIMIT_MEMLOCK). */
    public static final int ENOMEM = 12;
    /** {@code EACCES}: Permission denied. */
    public static final int EACCES = 13;
    /** {@code EFAULT}: Bad address. */
    public static final int EFAULT = 14;
    /** {@code EBUSY}: Device or resource busy (io_uring: completion queue overflow backlog). */
    public static final int EBUSY = 16;
    /** {@code EEXIST}: File exists. */
    public static final int EEXIST = 17;
    /** {@code ENODEV}: No such device. */
    public static final int ENODEV = 19;
    /** {@code EISDIR}: Is a directory. */
    public static final int EISDIR = 21;
    /** {@code EINVAL}: Invalid argument (O_DIRECT: misaligned; also a request an engine cannot encode). */
    public static final int EINVAL = 22;
    /** {@code EMFILE}: Too many open files. */
    public static final int EMFILE = 24;
    /** {@code EFBIG}: File too large. */
    public static final int EFBIG = 27;
    /** {@code ENOSPC}: No space left on device. */
    public static final int ENOSPC = 28;
    /** {@code ESPIPE}: Illegal seek (a positional transfer on a pipe or socket). */
    public static final int ESPIPE = 29;
    /** {@code EROFS}: Read-only file system. */
    public static final int EROFS = 30;
    /** {@code EPIPE}: Broken pipe. */
    public static final int EPIPE = 32;
    /** {@code ENOSYS}: Function not implemented (a system call the kernel lacks). */
    public static final int ENOSYS = 38;
    /** {@code ETIME}: Timer expired (io_uring: a wait that timed out). */
    public static final int ETIME = 62;
    /** {@code EOVERFLOW}: Value too large for defined data type. */
    public static final int EOVERFLOW = 75;
    /** {@code EOPNOTSUPP}: Operation not supported (an optional engine feature, e.g. registered buffers). */
    public static final int EOPNOTSUPP = 95;
    /** {@code ETIMEDOUT}: Connection timed out. */
    public static final int ETIMEDOUT = 110;
    /** {@code EALREADY}: Operation already in progress (a cancel: running, cannot be stopped). */
    public static final int EALREADY = 114;
    /** {@code EINPROGRESS}: Operation now in progress. */
    public static final int EINPROGRESS = 115;
    /** {@code EDQUOT}: Disk quota exceeded. */
    public static final int EDQUOT = 122;
    /** {@code ECANCELED}: Operation canceled. */
    public static final int ECANCELED = 125;

    private static final String[] NAMES = new String[134];

    static
    {
        final String[] pairs = {
            "1", "EPERM", "2", "ENOENT", "3", "ESRCH", "4", "EINTR", "5", "EIO", "6", "ENXIO", "7", "E2BIG",
            "8", "ENOEXEC", "9", "EBADF", "10", "ECHILD", "11", "EAGAIN", "12", "ENOMEM", "13", "EACCES",
            "14", "EFAULT", "15", "ENOTBLK", "16", "EBUSY", "17", "EEXIST", "18", "EXDEV", "19", "ENODEV",
            "20", "ENOTDIR", "21", "EISDIR", "22", "EINVAL", "23", "ENFILE", "24", "EMFILE", "25", "ENOTTY",
            "26", "ETXTBSY", "27", "EFBIG", "28", "ENOSPC", "29", "ESPIPE", "30", "EROFS", "31", "EMLINK",
            "32", "EPIPE", "33", "EDOM", "34", "ERANGE", "35", "EDEADLK", "36", "ENAMETOOLONG", "37", "ENOLCK",
            "38", "ENOSYS", "39", "ENOTEMPTY", "40", "ELOOP", "61", "ENODATA", "62", "ETIME", "75", "EOVERFLOW",
            "77", "EBADFD", "95", "EOPNOTSUPP", "110", "ETIMEDOUT", "114", "EALREADY", "115", "EINPROGRESS",
            "116", "ESTALE", "121", "EREMOTEIO", "122", "EDQUOT", "125", "ECANCELED",
        };
        for (int i = 0; i < pairs.length; i += 2)
        {
            NAMES[Integer.parseInt(pairs[i])] = pairs[i + 1];
        }
    }

    private Errno()
    {
    }

    /**
     * @param errno a positive errno value.
     * @return its symbolic name, or {@code "errno=N"} for a value without one here.
     */
    public static String name(final int errno)
    {
        final int e = Math.abs(errno);
        final String name = e < NAMES.length ? NAMES[e] : null;
        return name != null ? name : "errno=" + e;
    }

    private static boolean containsWord(final String text, final String word)
    {
        int from = 0;
        int at;
        while ((at = text.indexOf(word, from)) >= 0)
        {
            final int end = at + word.length();
            final boolean startOk = at == 0 || !Character.isLetterOrDigit(text.charAt(at - 1));
            final boolean endOk = end == text.length() || !Character.isLetterOrDigit(text.charAt(end));
            if (startOk && endOk)
            {
                return true;
            }
            from = end;
        }
        return false;
    }

    /**
     * Maps an exception from {@code FileChannel} to the errno it most likely carried. The JDK builds the
     * message of an {@link IOException} from {@code strerror(errno)}, so the text is matched; what is not
     * recognised maps to EIO.
     *
     * @param e the exception.
     * @return a positive errno value.
     */
    public static int fromException(final Throwable e)
    {
        if (e instanceof ClosedChannelException || e instanceof AsynchronousCloseException)
        {
            return EBADF;
        }
        if (e instanceof NonReadableChannelException || e instanceof NonWritableChannelException)
        {
            return EBADF;
        }
        final String m = e.getMessage();
        if (m == null)
        {
            return EIO;
        }
        // pageio's own descriptor-based files name the errno in their messages ("pread failed: ENOSPC ...").
        for (int i = 1; i < NAMES.length; i++)
        {
            if (NAMES[i] != null && containsWord(m, NAMES[i]))
            {
                return i;
            }
        }
        if (m.contains("No space left on device")) return ENOSPC;
        if (m.contains("Disk quota exceeded")) return EDQUOT;
        if (m.contains("Invalid argument")) return EINVAL;
        if (m.contains("Bad file descriptor")) return EBADF;
        if (m.contains("File too large")) return EFBIG;
        if (m.contains("Read-only file system")) return EROFS;
        if (m.contains("Illegal seek")) return ESPIPE;
        if (m.contains("Is a directory")) return EISDIR;
        if (m.contains("Interrupted system call")) return EINTR;
        if (m.contains("Resource temporarily unavailable")) return EAGAIN;
        if (m.contains("Operation not permitted")) return EPERM;
        if (m.contains("Permission denied")) return EACCES;
        return EIO;
    }
}
