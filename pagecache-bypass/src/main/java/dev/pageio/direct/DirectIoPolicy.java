package dev.pageio.direct;

/** Whether a file is opened with {@code O_DIRECT}, and what happens when its filesystem refuses it. */
public enum DirectIoPolicy
{
    /**
     * O_DIRECT or nothing: a filesystem that refuses it (open(2) fails with EINVAL) is an
     * {@link java.io.IOException} naming the path, the filesystem and the errno.
     */
    REQUIRED,
    /**
     * O_DIRECT where the filesystem accepts it; otherwise the file is opened buffered and
     * {@link DirectFile#fallbackReason()} says why.
     */
    OPTIONAL,
    /** Buffered I/O through the page cache; alignment is not required ({@link Alignment#NONE}). */
    DISABLED
}
