package dev.pageio.core.spi;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * An open file as the engines see it: a descriptor for the kernel engines, and blocking positional I/O for
 * the thread engine. Implementations: {@link ChannelFileAccess} (a {@code FileChannel}, no descriptor) and
 * the descriptor-based ones of io-native and pagecache-bypass (O_DIRECT files).
 *
 * <p>The blocking methods are called from worker threads of the thread engine; {@link #close()} only after
 * every request on the file has completed.
 */
public abstract class FileAccess implements AutoCloseable
{
    private final Path path;

    /** @param path the file's path, for messages. */
    protected FileAccess(final Path path)
    {
        this.path = path;
    }

    /** @return the path. */
    public final Path path()
    {
        return path;
    }

    /** @return the descriptor, or -1 where there is none. */
    public abstract int fd();

    /**
     * @return the alignment O_DIRECT needs of offsets and lengths on this file, or 1 where the file is not
     * opened O_DIRECT.
     */
    public int offsetAlignment()
    {
        return 1;
    }

    /** @return the alignment O_DIRECT needs of buffer addresses, or 1 where the file is not O_DIRECT. */
    public int memoryAlignment()
    {
        return 1;
    }

    /** @return true when the file was opened O_DIRECT. */
    public boolean direct()
    {
        return false;
    }

    /** @return true when writes are durable at completion (O_DSYNC or O_SYNC). */
    public boolean syncWrites()
    {
        return false;
    }

    /**
     * Blocking positional read; the buffer's position and limit are never changed (other requests may use the same buffer).
     *
     * @param buffer         the buffer read into.
     * @param bufferPosition where in the buffer the bytes go.
     * @param length         bytes to read at most.
     * @param fileOffset     where in the file they come from.
     * @return bytes read, 0 at end of file.
     * @throws IOException as the operating system reported it.
     */
    public abstract int read(ByteBuffer buffer, int bufferPosition, int length, long fileOffset) throws IOException;

    /**
     * Blocking positional write; the buffer's position and limit are unchanged when it returns.
     *
     * @param buffer         the buffer written from.
     * @param bufferPosition where in the buffer the bytes are.
     * @param length         bytes to write at most.
     * @param fileOffset     where in the file they go.
     * @return bytes written.
     * @throws IOException as the operating system reported it.
     */
    public abstract int write(ByteBuffer buffer, int bufferPosition, int length, long fileOffset) throws IOException;

    /**
     * Blocking fsync ({@code metadata}) or fdatasync.
     *
     * @param metadata true for fsync (data and metadata), false for fdatasync.
     * @throws IOException as the operating system reported it.
     */
    public abstract void sync(boolean metadata) throws IOException;

    /**
     * @return the file's size in bytes.
     * @throws IOException as the operating system reported it.
     */
    public abstract long size() throws IOException;

    /**
     * Closes the descriptor or channel. Idempotent.
     *
     * @throws IOException as the operating system reported it.
     */
    @Override
    public abstract void close() throws IOException;

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "{path=" + path + " fd=" + fd() + "}";
    }
}
