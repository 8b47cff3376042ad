package dev.pageio.core;

import java.io.IOException;

/**
 * An error the operating system reported for one request: the operation, the file, the offset and length
 * asked for, and the errno. Built by {@link #of}; operating errors travel as this value, never as a crash.
 */
public final class IoFailure extends IOException
{
    private static final long serialVersionUID = 1L;

    /** The operation that failed. */
    private final IoOp op;
    /** The file's path as the ring knows it. */
    private final String path;
    /** The file descriptor, -1 where the file has none. */
    private final int fd;
    /** The offset the request asked for. */
    private final long fileOffset;
    /** The length the request asked for. */
    private final long length;
    /** The errno, positive. */
    private final int errno;

    private IoFailure(
        final String message,
        final IoOp op,
        final String path,
        final int fd,
        final long fileOffset,
        final long length,
        final int errno,
        final Throwable cause)
    {
        super(message, cause);
        this.op = op;
        this.path = path;
        this.fd = fd;
        this.fileOffset = fileOffset;
        this.length = length;
        this.errno = errno;
    }

    /**
     * The one helper that builds a failure.
     *
     * @param op         the operation.
     * @param path       the file's path (or a description where there is none).
     * @param fd         the descriptor, or -1 where the engine has none.
     * @param fileOffset the offset the request asked for.
     * @param length     the length the request asked for.
     * @param errno      the positive errno value.
     * @param detail     extra words, or null.
     * @param cause      the underlying exception, or null.
     * @return the failure.
     */
    public static IoFailure of(
        final IoOp op,
        final String path,
        final int fd,
        final long fileOffset,
        final long length,
        final int errno,
        final String detail,
        final Throwable cause)
    {
        final int e = Math.abs(errno);
        final String message = op + " failed: " + Errno.name(e) +
            " path=" + path + " fd=" + fd + " offset=" + fileOffset + " length=" + length +
            (detail != null ? " (" + detail + ")" : "");
        return new IoFailure(message, op, path, fd, fileOffset, length, e, cause);
    }

    /** @return the operation that failed. */
    public IoOp op()
    {
        return op;
    }

    /** @return the path of the file. */
    public String path()
    {
        return path;
    }

    /** @return the file descriptor, or -1 where the engine has none. */
    public int fd()
    {
        return fd;
    }

    /** @return the file offset the request asked for. */
    public long fileOffset()
    {
        return fileOffset;
    }

    /** @return the length the request asked for. */
    public long length()
    {
        return length;
    }

    /** @return the positive errno value. */
    public int errno()
    {
        return errno;
    }

    /** @return the errno's symbolic name, e.g. {@code "EIO"}. */
    public String errnoName()
    {
        return Errno.name(errno);
    }

    /** @return true when the request was canceled (ECANCELED). */
    public boolean canceled()
    {
        return errno == Errno.ECANCELED;
    }
}
