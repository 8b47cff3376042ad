package dev.pageio.core.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** A file reached through a {@link FileChannel}: the thread engine's portable access, with no descriptor. */
public final class ChannelFileAccess extends FileAccess
{
    private final FileChannel channel;
    private final boolean syncWrites;
    private final int directAlignment;

    /**
     * @param path    the file.
     * @param options open options, as for {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])};
     *                {@code ExtendedOpenOption.DIRECT} opens the file O_DIRECT with the file store's block size as
     *                its alignment (the number the JDK's direct channel checks), so that requests are checked
     *                against it at the call, as on the kernel engines; APPEND is refused (see
     *                {@code IoRing.open}).
     * @throws IOException as the operating system reported it.
     */
    public ChannelFileAccess(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        super(path);
        if (options.contains(StandardOpenOption.APPEND))
        {
            throw new IllegalArgumentException("open option not supported: option=APPEND path=" + path +
                ": requests name their offset and run concurrently, so appends would land out of order");
        }
        this.channel = FileChannel.open(path, options);
        this.syncWrites = options.contains(StandardOpenOption.DSYNC) || options.contains(StandardOpenOption.SYNC);
        int alignment = 1;
        if (options.contains(DirectOpenOption.DIRECT))
        {
            try
            {
                final long blockSize = Files.getFileStore(path).getBlockSize();
                alignment = blockSize >= 512 && blockSize <= (1 << 16) && Long.bitCount(blockSize) == 1 ?
                    (int)blockSize : 4096;
            }
            catch (final IOException | RuntimeException e)
            {
                channel.close();
                throw e;
            }
        }
        this.directAlignment = alignment;
    }

    @Override
    public int offsetAlignment()
    {
        return directAlignment;
    }

    @Override
    public int memoryAlignment()
    {
        return directAlignment;
    }

    @Override
    public boolean direct()
    {
        return directAlignment > 1;
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

    /**
     * Per worker thread, the last caller buffer seen and a duplicate of it. {@code FileChannel} moves a buffer's
     * position, and the caller's buffer may be in use by several requests at once (one page written to many
     * places), so the channel gets an independent view. Reusing the view for the same buffer keeps the steady
     * state free of allocation.
     */
    private static final ThreadLocal<ByteBuffer[]> VIEWS = ThreadLocal.withInitial(() -> new ByteBuffer[2]);

    private static ByteBuffer view(final ByteBuffer buffer, final int bufferPosition, final int length)
    {
        final ByteBuffer[] cache = VIEWS.get();
        ByteBuffer view = cache[1];
        if (cache[0] != buffer)
        {
            view = buffer.duplicate();
            cache[0] = buffer;
            cache[1] = view;
        }
        view.limit(view.capacity()).position(bufferPosition).limit(bufferPosition + length);
        return view;
    }

    @Override
    public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        final int n = channel.read(view(buffer, bufferPosition, length), fileOffset);
        return Math.max(n, 0);
    }

    @Override
    public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        throws IOException
    {
        return channel.write(view(buffer, bufferPosition, length), fileOffset);
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
