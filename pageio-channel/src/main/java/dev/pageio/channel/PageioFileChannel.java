package dev.pageio.channel;

import dev.pageio.core.ClosedFileException;
import dev.pageio.core.ClosedRingException;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.BarrierMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * An {@link AsynchronousFileChannel} whose reads and writes go through a pageio {@link IoRing} (io_uring, kernel
 * AIO or the thread engine) instead of the JDK's pool of threads doing blocking pread/pwrite. Switching is one line:
 *
 * <pre>{@code
 * AsynchronousFileChannel ch = AsynchronousFileChannel.open(path, READ, WRITE);   // the JDK
 * AsynchronousFileChannel ch = PageioFileChannel.open(path, READ, WRITE);         // pageio
 * }</pre>
 *
 * <p><b>The contract</b> is {@link AsynchronousFileChannel}'s, as the JDK implements it on Linux
 * ({@code sun.nio.ch.SimpleAsynchronousFileChannelImpl}): the same exceptions at the call (IAE for a negative
 * position or a read-only buffer to read into, {@link NonReadableChannelException},
 * {@link NonWritableChannelException}, NPE), the same results (a read at or past end of file gives -1, an empty
 * buffer 0 at once, a read returns what one pread would), the buffer's position moved by the bytes transferred
 * before the handler runs or the future completes, {@link ClosedChannelException} through the future or handler
 * once closed.
 *
 * <p><b>Buffers.</b> Direct buffers go to the kernel as they are. Heap buffers (and read-only ones, to write from)
 * are copied through page-aligned direct buffers from a pool ({@link BounceBufferPool}): no allocation per I/O once
 * warm, up to 1 MiB per transfer.
 *
 * <p><b>Threads.</b> {@link CompletionHandler}s run on the executor given to {@code open}, else on the default
 * pool, configured by {@code java.nio.channels.DefaultThreadPool.threadFactory} and {@code .initialSize} as the
 * JDK's is ({@link DefaultHandlerPool}); never on the ring's agent thread. Handlers of operations that complete
 * while earlier ones still wait for an executor thread run in the same executor task, in completion order (one
 * hand-off per batch instead of one per operation); operations that complete while that task runs handlers wait for
 * it too, and it takes them after the handler; once the lane is empty the task spins briefly for the next
 * completions, so that a steady flow needs no hand-off at all (up to 50 us, system property
 * {@code dev.pageio.channel.handlerSpinNs}, 0: off; not when the flow is slower). A handler may block: operations
 * that waited behind it for a whole millisecond go to another executor thread (one to two milliseconds after they
 * completed: system property {@code dev.pageio.channel.handlerHoldNs}; 0 hands each one that completes while a
 * handler runs to another thread at once), so a handler may wait for the handler of an operation it issues. A
 * handler that waits for the handler of an operation that completed just after its own may wait for ever, since both
 * can be taken in one batch, where it runs after it (the JDK's channel runs each on a thread of its own). As the JDK's
 * {@code AsynchronousChannelGroup} advises, handlers should not block indefinitely. The executor's {@code execute} is
 * called from the agent: it must hand the task to another thread (a caller-runs policy would run handlers on the
 * agent). A future completes on the agent, which only stores the result. Interrupting a thread never closes the
 * channel (nothing here is an {@code InterruptibleChannel}).
 *
 * <p><b>Durability, stronger than the JDK.</b> {@link #force(boolean)} is the file's barrier
 * ({@link BarrierMode#FULL} for {@code true}, {@link BarrierMode#DATA} for {@code false}, BARRIER.md): it returns
 * once every write accepted by this channel before the call, those still in flight included, has completed and a
 * sync issued after them succeeded. A failed write or sync poisons the file: every later {@code force} fails with
 * the original cause, although a second fsync would "succeed". It covers writes made through this channel (a
 * channel that never wrote does not sync). {@link #close()} is a barrier and then the close (BARRIER.md rule 11):
 * it waits for the outstanding operations, which complete normally, and throws when the barrier failed.
 *
 * <p><b>Locks</b> are POSIX record locks taken through a {@link FileChannel} the channel keeps open on the same
 * file (the "side channel"), so other processes see them and overlaps within the JVM throw
 * {@link java.nio.channels.OverlappingFileLockException}; a {@code lock} that has to wait waits on an executor
 * thread, as the JDK's does, and fails with {@link AsynchronousCloseException} when the channel closes. As on every
 * POSIX system, closing any descriptor of the file in this process drops the process's locks on it.
 *
 * <p><b>O_DIRECT.</b> {@code ExtendedOpenOption.DIRECT} opens the file O_DIRECT. The alignment is discovered at open
 * as the JDK's {@link FileChannel} discovers it (the file store's block size, {@code f_frsize}); positions and
 * lengths that are not multiples of it are refused at the call with an {@link IllegalArgumentException} naming the
 * value and the alignment (the JDK's asynchronous channel checks nothing and fails later with EINVAL). Heap buffers
 * and direct buffers at a misaligned address are copied through aligned pool buffers.
 *
 * <p><b>Engines.</b> Kernel AIO serves only O_DIRECT files: a buffered file on an aio ring given to {@code open} is
 * served by the thread engine's path inside that ring (see {@code AioBackend}); the default rings route it to the
 * thread engine's ring ({@link DefaultRings}).
 *
 * <p>Threading: every method may be called from any thread.
 */
public final class PageioFileChannel extends AsynchronousFileChannel
{
    private final IoRing ring;
    private final IoFile file;
    private final FileChannel side;
    private final boolean reading;
    private final boolean writing;
    private final int alignment;
    private final boolean directBuffersRequired;
    private final HandlerLane lane;
    private final ChannelLocks locks;
    private volatile boolean closed;

    PageioFileChannel(
        final IoRing ring,
        final IoFile file,
        final FileChannel side,
        final ExecutorService executor,
        final boolean reading,
        final boolean writing,
        final int alignment)
    {
        super();
        this.ring = ring;
        this.file = file;
        this.side = side;
        this.lane = new HandlerLane(executor);
        this.locks = new ChannelLocks(this, side, executor, reading, writing);
        this.reading = reading;
        this.writing = writing;
        this.alignment = alignment;
        this.directBuffersRequired = ring.backend().requiresDirectBuffers();
    }

    // ----------------------------------------------------------------------------------------------------- open

    /**
     * Opens a channel on the default ring and the default handler pool, as
     * {@link AsynchronousFileChannel#open(Path, OpenOption...)} does.
     *
     * @param file    the file.
     * @param options as for the JDK; {@code ExtendedOpenOption.DIRECT} for O_DIRECT.
     * @return the channel.
     * @throws IOException as the JDK's open throws it (typed: NoSuchFileException, FileAlreadyExistsException...).
     */
    public static PageioFileChannel open(final Path file, final OpenOption... options) throws IOException
    {
        return open(file, new HashSet<>(Arrays.asList(options)), null);
    }

    /**
     * Opens a channel on the default ring, as {@link AsynchronousFileChannel#open(Path, Set, ExecutorService,
     * FileAttribute[])} does.
     *
     * @param file     the file.
     * @param options  as for the JDK; {@code ExtendedOpenOption.DIRECT} for O_DIRECT.
     * @param executor where handlers run; null for the default pool.
     * @param attrs    attributes of a file created by the open.
     * @return the channel.
     * @throws IOException as the JDK's open throws it.
     */
    public static PageioFileChannel open(
        final Path file, final Set<? extends OpenOption> options, final ExecutorService executor,
        final FileAttribute<?>... attrs) throws IOException
    {
        return open(null, file, options, executor, attrs);
    }

    /**
     * Opens a channel on an existing ring (one ring shared by many channels, the normal case for a database).
     *
     * @param ring    the ring; it stays open when the channel closes.
     * @param file    the file.
     * @param options as for the JDK; {@code ExtendedOpenOption.DIRECT} for O_DIRECT.
     * @return the channel.
     * @throws IOException as the JDK's open throws it.
     */
    public static PageioFileChannel open(final IoRing ring, final Path file, final OpenOption... options)
        throws IOException
    {
        return open(Objects.requireNonNull(ring, "ring"), file, new HashSet<>(Arrays.asList(options)), null);
    }

    /**
     * Opens a channel on an existing ring.
     *
     * @param ring     the ring, or null for the default ring; it stays open when the channel closes.
     * @param file     the file.
     * @param options  as for the JDK; {@code ExtendedOpenOption.DIRECT} for O_DIRECT.
     * @param executor where handlers run; null for the default pool.
     * @param attrs    attributes of a file created by the open.
     * @return the channel.
     * @throws IOException                   as the JDK's open throws it.
     * @throws UnsupportedOperationException for APPEND, an unknown option, or a file the ring's engine refuses.
     */
    public static PageioFileChannel open(
        final IoRing ring, final Path file, final Set<? extends OpenOption> options, final ExecutorService executor,
        final FileAttribute<?>... attrs) throws IOException
    {
        return ChannelOpener.open(ring, file, options, executor, attrs);
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** @return the ring the channel's I/O goes through. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return the pageio file under the channel (for barriers across files, statistics). */
    public IoFile ioFile()
    {
        return file;
    }

    /** @return the alignment O_DIRECT needs of positions and lengths, or 1 for a buffered file. */
    public int alignment()
    {
        return alignment;
    }

    @Override
    public boolean isOpen()
    {
        return !closed;
    }

    // ------------------------------------------------------------------------------------------ size, truncate

    @Override
    public long size() throws IOException
    {
        checkOpen();
        try
        {
            return side.size();
        }
        catch (final ClosedChannelException e)
        {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public AsynchronousFileChannel truncate(final long size) throws IOException
    {
        if (size < 0)
        {
            throw new IllegalArgumentException("size negative: size=" + size);
        }
        if (!writing)
        {
            throw new NonWritableChannelException();
        }
        if (closed)
        {
            // what the JDK's channel throws here too (its end(false) after a refused begin())
            throw new AsynchronousCloseException();
        }
        try
        {
            side.truncate(size);
        }
        catch (final ClosedChannelException e)
        {
            throw new AsynchronousCloseException();
        }
        return this;
    }

    /**
     * The file's barrier: returns once every write this channel accepted before the call, those in flight
     * included, has completed and a sync issued after them returned success; see the class comment.
     *
     * @param metaData true for fsync ({@link BarrierMode#FULL}), false for fdatasync ({@link BarrierMode#DATA}).
     * @throws IOException when a covered write or a sync failed, now or before (sticky).
     */
    @Override
    public void force(final boolean metaData) throws IOException
    {
        checkOpen();
        final CompletableFuture<Long> barrier;
        try
        {
            barrier = file.barrier(metaData ? BarrierMode.FULL : BarrierMode.DATA);
        }
        catch (final ClosedFileException | ClosedRingException e)
        {
            throw closedFailure();
        }
        awaitUninterruptibly(barrier, "force");
    }

    private void awaitUninterruptibly(final CompletableFuture<?> future, final String what) throws IOException
    {
        boolean interrupted = false;
        try
        {
            while (true)
            {
                try
                {
                    future.get();
                    return;
                }
                catch (final InterruptedException e)
                {
                    interrupted = true;
                }
                catch (final ExecutionException e)
                {
                    final Throwable cause = e.getCause();
                    if (cause instanceof ClosedFileException || cause instanceof ClosedRingException)
                    {
                        throw closedFailure();
                    }
                    if (cause instanceof IOException)
                    {
                        throw new IOException(what + " failed: path=" + file.path() + ": " + cause.getMessage(), cause);
                    }
                    throw new IOException(what + " failed: path=" + file.path(), cause);
                }
            }
        }
        finally
        {
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    void checkOpen() throws ClosedChannelException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
    }

    /** The failure of an operation that raced with close: the JDK reports these as asynchronous closes. */
    IOException closedFailure()
    {
        return closed ? new AsynchronousCloseException() : new ClosedChannelException();
    }

    // -------------------------------------------------------------------------------------------- read, write

    @Override
    public Future<Integer> read(final ByteBuffer dst, final long position)
    {
        return implTransfer(false, dst, position, null, null);
    }

    @Override
    public <A> void read(
        final ByteBuffer dst, final long position, final A attachment, final CompletionHandler<Integer, ? super A> handler)
    {
        Objects.requireNonNull(handler, "'handler' is null");
        implTransfer(false, dst, position, attachment, handler);
    }

    @Override
    public Future<Integer> write(final ByteBuffer src, final long position)
    {
        return implTransfer(true, src, position, null, null);
    }

    @Override
    public <A> void write(
        final ByteBuffer src, final long position, final A attachment, final CompletionHandler<Integer, ? super A> handler)
    {
        Objects.requireNonNull(handler, "'handler' is null");
        implTransfer(true, src, position, attachment, handler);
    }

    private <A> Future<Integer> implTransfer(
        final boolean write, final ByteBuffer buffer, final long position, final A attachment,
        final CompletionHandler<Integer, ? super A> handler)
    {
        if (position < 0)
        {
            throw new IllegalArgumentException("position negative: position=" + position);
        }
        if (write ? !writing : !reading)
        {
            throw write ? new NonWritableChannelException() : new NonReadableChannelException();
        }
        if (!write && buffer.isReadOnly())
        {
            throw new IllegalArgumentException("buffer read-only: a read needs a writable buffer");
        }
        final int length = buffer.remaining();
        if (closed || length == 0)
        {
            final Throwable failure = closed ? new ClosedChannelException() : null;
            return completeAtOnce(0, failure, attachment, handler);
        }
        boolean bounce = directBuffersRequired && !buffer.isDirect();
        if (alignment > 1)
        {
            if (position % alignment != 0)
            {
                throw new IllegalArgumentException("position not aligned: position=" + position + " alignment=" +
                    alignment + " (O_DIRECT) path=" + file.path());
            }
            if (length % alignment != 0)
            {
                throw new IllegalArgumentException("length not aligned: length=" + length + " alignment=" +
                    alignment + " (O_DIRECT) path=" + file.path());
            }
            bounce |= !buffer.isDirect() || buffer.alignmentOffset(buffer.position(), alignment) != 0;
        }
        final ChannelOp op = ChannelOp.acquire();
        final ChannelFuture<Integer> future = handler == null ? new ChannelFuture<>(this) : null;
        op.start(this, write, buffer, length, bounce ? BounceBufferPool.SHARED.acquire(length, alignment) : null,
            future, handler, attachment);
        try
        {
            op.submit(file, position);
        }
        catch (final ClosedFileException | ClosedRingException e)
        {
            op.submitFailed(closedFailure());
        }
        catch (final RuntimeException e)
        {
            op.abandon();
            throw e;
        }
        return future;
    }

    /** Reports an outcome known at the call: a done future, or the handler on the executor. */
    <V, A> Future<V> completeAtOnce(
        final V value, final Throwable failure, final A attachment, final CompletionHandler<V, ? super A> handler)
    {
        if (handler == null)
        {
            return failure == null ? ChannelFuture.completed(this, value) : ChannelFuture.failed(this, failure);
        }
        lane.execute(() -> HandlerLane.invoke(handler, attachment, value, failure));
        return null;
    }

    /** @return where this channel's handlers run. */
    HandlerLane lane()
    {
        return lane;
    }

    /** @return the failure an operation reports: an asynchronous close when the channel closed meanwhile. */
    Throwable mapFailure(final Throwable failure)
    {
        return closed ? new AsynchronousCloseException() : failure;
    }

    // ------------------------------------------------------------------------------------------------- locks

    @Override
    public Future<FileLock> lock(final long position, final long size, final boolean shared)
    {
        return locks.lock(position, size, shared, null, null);
    }

    @Override
    public <A> void lock(
        final long position, final long size, final boolean shared, final A attachment,
        final CompletionHandler<FileLock, ? super A> handler)
    {
        Objects.requireNonNull(handler, "'handler' is null");
        locks.lock(position, size, shared, attachment, handler);
    }

    @Override
    public FileLock tryLock(final long position, final long size, final boolean shared) throws IOException
    {
        return locks.tryLock(position, size, shared);
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * Closes the channel: later calls fail with {@link ClosedChannelException}; locks are released; a pending
     * {@code lock} fails with {@link AsynchronousCloseException}; reads and writes already submitted complete
     * normally (their handlers still run); then the file's barrier and the close of its descriptor
     * (BARRIER.md rule 11). The ring stays open. Idempotent.
     *
     * @throws IOException when the close's barrier failed (a write or sync of this channel failed).
     */
    @Override
    public void close() throws IOException
    {
        synchronized (locks)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        locks.releaseAll();
        IOException failure = null;
        try
        {
            side.close(); // a lock() waiting in fcntl(F_SETLKW) on an executor thread fails with AsynchronousCloseException
        }
        catch (final IOException e)
        {
            failure = e;
        }
        try
        {
            awaitUninterruptibly(file.closeAsync(), "close");
        }
        catch (final IOException e)
        {
            if (!(e instanceof AsynchronousCloseException))
            {
                if (failure != null)
                {
                    e.addSuppressed(failure);
                }
                failure = e;
            }
        }
        catch (final UncheckedIOException e)
        {
            failure = e.getCause();
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    @Override
    public String toString()
    {
        return "PageioFileChannel{path=" + file.path() + " engine=" + ring.engineName() + " alignment=" + alignment +
            (closed ? " closed" : "") + "}";
    }
}
