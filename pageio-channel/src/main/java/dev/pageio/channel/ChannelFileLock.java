package dev.pageio.channel;

import java.io.IOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileLock;

/**
 * A lock on a {@link PageioFileChannel}: a POSIX record lock ({@code fcntl(F_SETLK)}) held through the channel's
 * side {@link java.nio.channels.FileChannel} on the same file, so other processes see it and the JVM-wide table of
 * the JDK reports overlaps with {@link java.nio.channels.OverlappingFileLockException}; {@link #acquiredBy()} is the
 * {@link PageioFileChannel}. Threading: any thread.
 */
final class ChannelFileLock extends FileLock
{
    private final FileLock inner;

    ChannelFileLock(final AsynchronousFileChannel channel, final FileLock inner, final long size)
    {
        super(channel, inner.position(), size, inner.isShared());
        this.inner = inner;
    }

    @Override
    public boolean isValid()
    {
        return inner.isValid();
    }

    @Override
    public void release() throws IOException
    {
        if (!acquiredBy().isOpen())
        {
            throw new ClosedChannelException();
        }
        if (inner.isValid())
        {
            inner.release();
        }
    }

    /** Releases without the open check: used by close. */
    void invalidate()
    {
        try
        {
            if (inner.isValid())
            {
                inner.release();
            }
        }
        catch (final IOException ignore)
        {
            // closing the side channel releases it anyway
        }
    }
}
