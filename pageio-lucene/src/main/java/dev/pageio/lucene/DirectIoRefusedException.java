package dev.pageio.lucene;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The filesystem holding an index file refused O_DIRECT (open(2) failed with EINVAL: ramfs, procfs, some FUSE
 * mounts). {@link PageioDirectory} needs O_DIRECT and throws this; {@link PageioMergeDirectory} routes the file
 * to its delegate instead and logs the reason once.
 */
public final class DirectIoRefusedException extends IOException
{
    private static final long serialVersionUID = 1L;

    /** Why the file system refused O_DIRECT. */
    private final String reason;

    DirectIoRefusedException(final Path path, final String reason)
    {
        super("O_DIRECT refused, PageioDirectory needs it (PageioDirectory.forMerges(delegate) falls back): " +
            "path=" + path + " reason=" + reason);
        this.reason = reason;
    }

    /** @return why the filesystem refused, as pageio's {@code DirectFile} reported it (path, filesystem, errno). */
    public String reason()
    {
        return reason;
    }
}
