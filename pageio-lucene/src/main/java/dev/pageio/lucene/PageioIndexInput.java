package dev.pageio.lucene;

import dev.pageio.core.ClosedFileException;
import dev.pageio.core.ClosedRingException;
import dev.pageio.core.IoFile;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.ByteBuffer;

import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.BufferedIndexInput;
import org.apache.lucene.store.IndexInput;

/**
 * An {@link IndexInput} over an O_DIRECT file on a ring. It reads aligned windows of the file into one of two
 * aligned buffers and copies from there; when it reads sequentially (a window starts where the last one ended,
 * or the {@code IOContext} says read-once or merge), the next window is read asynchronously into the other
 * buffer while this one is consumed.
 *
 * <p>A file no larger than {@link PageioDirectoryConfig#wholeFileReadMaxBytes()} is read whole, in one request,
 * when it is opened, and the input, its clones and slices copy from that read-only copy: O_DIRECT has no page cache
 * behind it, and Lucene reads small files at random many times over. A larger file is read in windows: a random
 * read is one request of the aligned range that covers it (at least 4 KiB); a sequential read fills the whole
 * window ({@code blockBytes}). Clones and slices share the file and get their own buffers,
 * allocated at their first read; {@link BufferedIndexInput} gives {@code RandomAccessInput}. Only the input
 * that opened the file closes it; a clone used after that fails with {@link AlreadyClosedException}.
 *
 * <p>Lucene 9.12 has no {@code IndexInput#prefetch} (it came in 10.0), so there is nothing to override; the
 * read-ahead here is this class's own.
 *
 * <p>Threading: one thread at a time per instance (Lucene's contract); clones may be used concurrently.
 */
final class PageioIndexInput extends BufferedIndexInput
{
    /** Smallest random read: one 4 KiB page (or the file's alignment, when larger). */
    private static final int MIN_RANDOM_READ_BYTES = 4096;

    /*
     * The read path's classes are loaded AND initialized with this one (when the input is opened) rather than at a
     * first read: a virtual thread that loads a class pins its carrier while it waits for the class loader's lock
     * (JFR jdk.VirtualThreadPinned in BuiltinClassLoader.loadClassOrNull), and one that waits while another thread
     * initializes a class pins too (seen at "new Window" with 200 virtual threads at their first read, JDK 25, after
     * a class literal had only loaded it).
     */
    static
    {
        final MethodHandles.Lookup lookup = MethodHandles.lookup();
        try
        {
            lookup.ensureInitialized(Window.class);
            lookup.ensureInitialized(PendingIo.class);
        }
        catch (final IllegalAccessException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The open file, shared by an input, its clones and slices. */
    static final class Shared
    {
        final IoFile file;
        final long fileLength;
        final int offsetAlignment;
        final int memoryAlignment;
        final int blockBytes;
        /** The whole file, read when opened (read-only, never written after), or null for a file read in windows. */
        final ByteBuffer whole;

        /**
         * @param wholeFileReadMaxBytes a file up to this size is read whole now, in one request.
         * @throws IOException when that read fails or returns less than the file's length.
         */
        Shared(final IoFile file, final long fileLength, final int offsetAlignment, final int memoryAlignment,
            final int blockBytes, final int wholeFileReadMaxBytes) throws IOException
        {
            this.file = file;
            this.fileLength = fileLength;
            this.offsetAlignment = offsetAlignment;
            this.memoryAlignment = memoryAlignment;
            this.blockBytes = PageioDirectory.alignUp(Math.max(blockBytes, MIN_RANDOM_READ_BYTES), offsetAlignment);
            this.whole = fileLength > 0 && fileLength <= wholeFileReadMaxBytes ? readWhole() : null;
        }

        private ByteBuffer readWhole() throws IOException
        {
            final int bytes = PageioDirectory.alignUp((int)fileLength, offsetAlignment);
            final ByteBuffer buffer = PageioDirectory.allocateAligned(bytes, memoryAlignment);
            final PendingIo io = new PendingIo();
            io.begin();
            try
            {
                file.read(0, buffer, io, null, 0);
            }
            catch (final RuntimeException e)
            {
                io.cancelBegin();
                throw new IOException("read refused: offset=0 length=" + bytes + " file=" + file + " cause=" +
                    e.getMessage(), e);
            }
            final long read = io.await(this);
            if (read < fileLength)
            {
                throw new EOFException("file shorter than its size: read=" + read + " fileLength=" + fileLength +
                    " file=" + file);
            }
            return buffer.limit((int)fileLength).asReadOnlyBuffer();
        }

        @Override
        public String toString()
        {
            return "Shared(file=" + file + ")";
        }
    }

    /** One aligned window of the file in an aligned buffer. */
    private static final class Window
    {
        final ByteBuffer buffer;
        final PendingIo io = new PendingIo();
        long start = -1;
        int valid;
        int requested;

        Window(final int capacity, final int memoryAlignment)
        {
            buffer = PageioDirectory.allocateAligned(capacity, memoryAlignment);
        }

        boolean covers(final long position)
        {
            return start >= 0 && !io.busy() && position >= start && position < start + valid;
        }
    }

    private final Shared shared;
    private final long sliceOffset;
    private final long length;
    private final boolean sequentialHint;
    private boolean owner;
    private boolean closed;
    private Window current;
    private Window ahead;

    PageioIndexInput(final String description, final Shared shared, final long sliceOffset, final long length,
        final int bufferSize, final boolean sequentialHint, final boolean owner)
    {
        super(description, bufferSize);
        this.shared = shared;
        this.sliceOffset = sliceOffset;
        this.length = length;
        this.sequentialHint = sequentialHint;
        this.owner = owner;
    }

    @Override
    protected void readInternal(final ByteBuffer dst) throws IOException
    {
        final long pos = getFilePointer();
        int left = dst.remaining();
        if (pos + left > length)
        {
            throw new EOFException("read past EOF: pos=" + pos + " length=" + left + " fileLength=" + length +
                " input=" + this);
        }
        long at = sliceOffset + pos;
        if (shared.whole != null)
        {
            dst.put(dst.position(), shared.whole, (int)at, left);
            dst.position(dst.position() + left);
            return;
        }
        while (left > 0)
        {
            final Window w = window(at, left);
            final int from = (int)(at - w.start);
            final int n = Math.min(left, w.valid - from);
            if (n <= 0)
            {
                throw new EOFException("file shorter than when opened: offset=" + at + " fileLength=" +
                    shared.fileLength + " input=" + this);
            }
            dst.put(dst.position(), w.buffer, from, n);
            dst.position(dst.position() + n);
            at += n;
            left -= n;
        }
    }

    /** @return a window holding the byte at {@code at}, read now or taken from the read-ahead. */
    private Window window(final long at, final int wanted) throws IOException
    {
        if (current != null && current.covers(at))
        {
            return current;
        }
        if (current == null)
        {
            current = new Window(shared.blockBytes, shared.memoryAlignment);
        }
        final boolean sequential = sequentialHint || (current.start >= 0 && at == current.start + current.valid);
        if (ahead != null && ahead.io.busy())
        {
            if (at >= ahead.start && at < ahead.start + ahead.requested)
            {
                ahead.valid = (int)ahead.io.await(this);
                final Window w = current;
                current = ahead;
                ahead = w;
                if (current.covers(at))
                {
                    readAhead();
                    return current;
                }
            }
        }
        final long start = at & -(long)shared.offsetAlignment;
        final int request;
        if (sequential)
        {
            request = shared.blockBytes;
        }
        else
        {
            final int need = (int)Math.min((long)wanted + (at - start), shared.blockBytes);
            request = Math.min(shared.blockBytes, PageioDirectory.alignUp(Math.max(need,
                MIN_RANDOM_READ_BYTES), shared.offsetAlignment));
        }
        read(current, start, request);
        current.valid = (int)current.io.await(this);
        if (sequential)
        {
            readAhead();
        }
        return current;
    }

    /** Starts reading the window after {@link #current} into {@link #ahead}, unless it is busy or at EOF. */
    private void readAhead() throws IOException
    {
        final long next = current.start + current.valid;
        if (current.valid < current.requested || next >= shared.fileLength || next >= sliceOffset + length)
        {
            return;
        }
        if (ahead == null)
        {
            ahead = new Window(shared.blockBytes, shared.memoryAlignment);
        }
        ahead.io.await(this); // a read-ahead nobody consumed (the reader jumped away): let it finish first
        read(ahead, next, shared.blockBytes);
    }

    private void read(final Window w, final long start, final int request) throws IOException
    {
        final long end = Math.min(start + request, PageioDirectory.alignUp(shared.fileLength, shared.offsetAlignment));
        final int bytes = (int)Math.max(shared.offsetAlignment, end - start);
        w.start = start;
        w.requested = bytes;
        w.valid = 0;
        w.buffer.position(0).limit(bytes);
        w.io.begin();
        try
        {
            shared.file.read(start, w.buffer, w.io, null, 0);
        }
        catch (final ClosedFileException | ClosedRingException e)
        {
            w.io.cancelBegin();
            w.start = -1;
            throw new AlreadyClosedException("input closed: " + this, e);
        }
        catch (final RuntimeException e)
        {
            w.io.cancelBegin();
            w.start = -1;
            throw new IOException("read refused: offset=" + start + " length=" + bytes + " input=" + this +
                " cause=" + e.getMessage(), e);
        }
    }

    @Override
    protected void seekInternal(final long pos) throws IOException
    {
        if (pos > length)
        {
            throw new EOFException("seek past EOF: pos=" + pos + " fileLength=" + length + " input=" + this);
        }
    }

    @Override
    public long length()
    {
        return length;
    }

    @Override
    public PageioIndexInput clone()
    {
        final PageioIndexInput clone = (PageioIndexInput)super.clone();
        clone.owner = false;
        clone.current = null;
        clone.ahead = null;
        return clone;
    }

    @Override
    public IndexInput slice(final String sliceDescription, final long offset, final long length)
    {
        if (offset < 0 || length < 0 || offset + length > this.length)
        {
            throw new IllegalArgumentException("slice out of bounds: offset=" + offset + " length=" + length +
                " fileLength=" + this.length + " slice=" + sliceDescription + " input=" + this);
        }
        return new PageioIndexInput(getFullSliceDescription(sliceDescription), shared, sliceOffset + offset, length,
            getBufferSize(), sequentialHint, false);
    }

    @Override
    public void close() throws IOException
    {
        if (owner && !closed)
        {
            closed = true;
            shared.file.close(); // waits for reads in flight (a read-ahead) before the descriptor closes
        }
    }
}
