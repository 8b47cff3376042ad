package dev.pageio.lucene;

import dev.pageio.core.ClosedFileException;
import dev.pageio.core.ClosedRingException;
import dev.pageio.core.IoFile;
import dev.pageio.direct.DirectFile;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

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
 * <p>Who reads: a read the caller waits for at once (a random read, the first window of a sequential run, a small
 * file read whole) is, on a platform thread and with {@link PageioDirectoryConfig#callerThreadReads()} (the
 * default), a {@code pread(2)} of the same aligned range on that thread's O_DIRECT descriptor: one system call, no
 * hand-off to the ring's agent. On a virtual thread it goes through the ring and the virtual thread parks (no
 * carrier held in a system call). Read-ahead always goes through the ring. Concurrent clones share nothing but
 * the open file and a count of the {@code pread}s in progress (so that closing the file waits for them).
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

    /** {@code Thread::isVirtual} on JDK 21+, null on JDK 17 (which has no virtual threads). */
    private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

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

    /** Counts of reads made on the calling thread ({@code pread}), for the directory's statistics. */
    static final class CallerReads
    {
        final LongAdder reads = new LongAdder();
        final LongAdder bytes = new LongAdder();
    }

    /** The open file, shared by an input, its clones and slices. */
    static final class Shared
    {
        /** Set in {@link #preadsInProgress} once the file is closing: no new {@code pread} starts. */
        private static final long CLOSING = 1L << 62;

        final IoFile file;
        final long fileLength;
        final int offsetAlignment;
        final int memoryAlignment;
        final int blockBytes;
        /** The file's descriptor for {@code pread}s on the calling thread, or null when every read uses the ring. */
        private final DirectFile direct;
        private final CallerReads callerReads;
        /** Told when this file closes (the directory forgets it). */
        private final Consumer<Shared> onClose;
        /** {@code pread}s in progress on {@link #direct}, plus {@link #CLOSING}: close waits for them. */
        private final AtomicLong preadsInProgress = new AtomicLong();
        /** The whole file, read when opened (read-only, never written after), or null for a file read in windows. */
        final ByteBuffer whole;

        /**
         * @param direct                the file's descriptor for reads on the calling thread, or null for none.
         * @param callerReads           where those reads are counted.
         * @param onClose               told when the file closes.
         * @param wholeFileReadMaxBytes a file up to this size is read whole now, in one request.
         * @throws IOException when that read fails or returns less than the file's length.
         */
        Shared(final IoFile file, final DirectFile direct, final CallerReads callerReads,
            final Consumer<Shared> onClose, final long fileLength, final int offsetAlignment,
            final int memoryAlignment, final int blockBytes, final int wholeFileReadMaxBytes) throws IOException
        {
            this.file = file;
            this.direct = direct;
            this.callerReads = callerReads;
            this.onClose = onClose;
            this.fileLength = fileLength;
            this.offsetAlignment = offsetAlignment;
            this.memoryAlignment = memoryAlignment;
            this.blockBytes = IoSupport.alignUp(Math.max(blockBytes, MIN_RANDOM_READ_BYTES), offsetAlignment);
            this.whole = fileLength > 0 && fileLength <= wholeFileReadMaxBytes ? readWhole() : null;
        }

        private ByteBuffer readWhole() throws IOException
        {
            final int bytes = IoSupport.alignUp((int)fileLength, offsetAlignment);
            final ByteBuffer buffer = IoSupport.allocateAligned(bytes, memoryAlignment);
            final long read;
            if (readsOnCaller())
            {
                read = pread(buffer, 0, bytes, this);
            }
            else
            {
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
                read = io.await(this);
            }
            if (read < fileLength)
            {
                throw new EOFException("file shorter than its size: read=" + read + " fileLength=" + fileLength +
                    " file=" + file);
            }
            return buffer.clear().limit((int)fileLength).asReadOnlyBuffer();
        }

        /** @return true when a read this thread waits for is a {@code pread} here (a platform thread, enabled). */
        boolean readsOnCaller()
        {
            return direct != null && !onVirtualThread();
        }

        /**
         * Reads {@code [offset, offset + bytes)} into {@code buffer} from position 0 with {@code pread(2)} on the
         * calling thread, until done or the end of the file (a short read that is not a multiple of the alignment).
         *
         * @return bytes read.
         * @throws AlreadyClosedException when the file is closing.
         */
        int pread(final ByteBuffer buffer, final long offset, final int bytes, final Object what) throws IOException
        {
            if ((preadsInProgress.getAndIncrement() & CLOSING) != 0)
            {
                preadsInProgress.decrementAndGet();
                throw new AlreadyClosedException("input closed: " + what);
            }
            int done = 0;
            try
            {
                while (done < bytes)
                {
                    final int n = direct.read(buffer, done, bytes - done, offset + done);
                    if (n <= 0)
                    {
                        break;
                    }
                    done += n;
                    if (n % offsetAlignment != 0)
                    {
                        break; // the end of the file: the next aligned read would start past it
                    }
                }
            }
            catch (final IOException e)
            {
                throw new IOException("pread failed: offset=" + offset + " length=" + bytes + " input=" + what +
                    " cause=" + e.getMessage(), e);
            }
            finally
            {
                preadsInProgress.decrementAndGet();
            }
            callerReads.reads.increment();
            callerReads.bytes.add(done);
            return done;
        }

        /**
         * Lets no {@code pread} start after this and waits for those in progress (each is one bounded system call),
         * so that the descriptor can close under none (a descriptor number closed under a {@code pread} could be
         * reused by another file). Idempotent.
         */
        void stopPreads() throws IOException
        {
            long v;
            do
            {
                v = preadsInProgress.get();
            }
            while ((v & CLOSING) == 0 && !preadsInProgress.compareAndSet(v, v | CLOSING));
            final long deadline = System.nanoTime() + PendingIo.TIMEOUT_NS;
            while ((preadsInProgress.get() & ~CLOSING) != 0)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IOException("close timed out waiting for reads in progress: reads=" +
                        (preadsInProgress.get() & ~CLOSING) + " file=" + file);
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
        }

        /**
         * Closes the file: {@link #stopPreads()}, then the ring closes it once its requests in flight (a
         * read-ahead) are done.
         */
        void close() throws IOException
        {
            try
            {
                stopPreads();
                file.close(); // waits for reads in flight (a read-ahead) before the descriptor closes
            }
            finally
            {
                onClose.accept(this);
            }
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
            buffer = IoSupport.allocateAligned(capacity, memoryAlignment);
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
        boolean continuing = false;
        while (left > 0)
        {
            final Window w = window(at, left, continuing);
            continuing = true;
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

    /**
     * @param continuing true when {@code at} continues a read that began in the last window: a read that starts
     *                   at the end of the last window is sequential, one that merely runs past its end is not (a
     *                   random read that overlaps the last one reads only the rest it needs, with no read-ahead),
     *                   unless what it still wants fills a whole window.
     * @return a window holding the byte at {@code at}, read now or taken from the read-ahead.
     */
    private Window window(final long at, final int wanted, final boolean continuing) throws IOException
    {
        if (current != null && current.covers(at))
        {
            return current;
        }
        if (current == null)
        {
            current = new Window(shared.blockBytes, shared.memoryAlignment);
        }
        final boolean sequential = sequentialHint || (current.start >= 0 && at == current.start + current.valid &&
            (!continuing || wanted >= shared.blockBytes));
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
            request = Math.min(shared.blockBytes, IoSupport.alignUp(Math.max(need,
                MIN_RANDOM_READ_BYTES), shared.offsetAlignment));
        }
        readNow(current, start, request);
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

    /** Fills {@code w} with the aligned range at {@code start} and waits: on this thread or through the ring. */
    private void readNow(final Window w, final long start, final int request) throws IOException
    {
        if (shared.readsOnCaller())
        {
            final int bytes = requestBytes(start, request);
            w.start = start;
            w.requested = bytes;
            w.valid = 0;
            w.buffer.position(0).limit(bytes);
            try
            {
                w.valid = shared.pread(w.buffer, start, bytes, this);
            }
            catch (final IOException | RuntimeException e)
            {
                w.start = -1;
                throw e;
            }
            return;
        }
        read(w, start, request);
        w.valid = (int)w.io.await(this);
    }

    /** @return the bytes of a request at {@code start}: {@code request}, cut at the aligned end of the file. */
    private int requestBytes(final long start, final int request)
    {
        final long end = Math.min(start + request, IoSupport.alignUp(shared.fileLength, shared.offsetAlignment));
        return (int)Math.max(shared.offsetAlignment, end - start);
    }

    /** Starts an asynchronous read through the ring into {@code w}; {@code w.io} completes it. */
    private void read(final Window w, final long start, final int request) throws IOException
    {
        final int bytes = requestBytes(start, request);
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
            shared.close();
        }
    }

    /** @return true on a virtual thread (JDK 21+). */
    static boolean onVirtualThread()
    {
        if (IS_VIRTUAL == null)
        {
            return false;
        }
        try
        {
            return (boolean)IS_VIRTUAL.invokeExact(Thread.currentThread());
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("Thread.isVirtual failed: " + t, t);
        }
    }

    private static MethodHandle isVirtualHandle()
    {
        try
        {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                MethodType.methodType(boolean.class));
        }
        catch (final NoSuchMethodException | IllegalAccessException e)
        {
            return null; // JDK 17: no virtual threads
        }
    }
}
