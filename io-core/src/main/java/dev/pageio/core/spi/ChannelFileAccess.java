package dev.pageio.core.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** A file reached through a {@link FileChannel}: the thread engine's portable access, with no descriptor. */
public final class ChannelFileAccess extends FileAccess
{
    private final FileChannel channel;
    private final boolean syncWrites;

    /**
     * @param path    the file.
     * @param options open options, as for {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])}.
     * @throws IOException as the operating system reported it.
     */
    public ChannelFileAccess(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        super(path);
        this.channel = FileChannel.open(path, options);
        this.syncWrites = options.contains(StandardOpenOption.DSYNC) || options.contains(StandardOpenOption.SYNC);
    }

    /** @return the channel. */
    public FileChannel channel()
    {
        return channel;
    }

    @Override
    public int fd()
    {
        return -1;
    }

    @Override
    public boolean syncWrites()
    {
        return syncWrites;
    }

    @Override
    public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        final int limit = buffer.limit();
        final int position = buffer.position();
        try
        {
            buffer.limit(bufferPosition + length).position(bufferPosition);
            final int n = channel.read(buffer, fileOffset);
            return Math.max(n, 0);
        }
        finally
        {
            buffer.limit(limit).position(position);
        }
    }

    @Override
    public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        final int limit = buffer.limit();
        final int position = buffer.position();
        try
        {
            buffer.limit(bufferPosition + length).position(bufferPosition);
            return channel.write(buffer, fileOffset);
        }
        finally
        {
            buffer.limit(limit).position(position);
        }
    }

    @Override
    public void sync(final boolean metadata) throws IOException
    {
        channel.force(metadata);
    }

    @Override
    public long size() throws IOException
    {
        return channel.size();
    }

    @Override
    public void close() throws IOException
    {
        channel.close();
    }
}
