package dev.pageio.stress;

import dev.pageio.core.spi.FileAccess;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file with no bytes behind it, for the thread engine: a read fills its range of the buffer with 1s (so a test
 * can tell whether it ran), a write reports its length; both count, and both record when they ran after
 * {@link #close()}. Any thread.
 */
final class MemoryFile extends FileAccess
{
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();
    final AtomicInteger afterClose = new AtomicInteger();
    private volatile boolean closed;

    MemoryFile(final String name)
    {
        super(Path.of(name));
    }

    boolean closed()
    {
        return closed;
    }

    @Override
    public int fd()
    {
        return -1;
    }

    @Override
    public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
    {
        if (closed)
        {
            afterClose.incrementAndGet();
        }
        reads.incrementAndGet();
        for (int i = 0; i < length; i++)
        {
            buffer.put(bufferPosition + i, (byte)1);
        }
        return length;
    }

    @Override
    public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
    {
        if (closed)
        {
            afterClose.incrementAndGet();
        }
        writes.incrementAndGet();
        return length;
    }

    @Override
    public void sync(final boolean metadata)
    {
        if (closed)
        {
            afterClose.incrementAndGet();
        }
    }

    @Override
    public long size()
    {
        return 0;
    }

    @Override
    public void close()
    {
        closed = true;
    }
}
