package dev.pageio.channel;

import dev.pageio.core.spi.DirectOpenOption;
import dev.pageio.core.ClosedFileException;
import dev.pageio.core.ClosedRingException;
import dev.pageio.core.Engines;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.BarrierMode;
import dev.pageio.core.spi.ChannelFileAccess;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;

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
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ShutdownChannelGroupException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;

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
 * hand-off per batch instead of one per operation). A handler may block, and may wait for the handler of an
 * operation it issues (that one runs in a later batch, on another thread); a handler that waits for the handler of an
 * operation that completed before it may wait until it returns, since both can be in one batch: as the JDK's
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
    private final ExecutorService executor;
    private final boolean reading;
    private final boolean writing;
    private final int alignment;
    private final boolean directBuffersRequired;
    private final Set<ChannelFileLock> locks = ConcurrentHashMap.newKeySet();
    /** Ranges of lock() calls waiting on an executor thread, {position, length}; guarded by itself. */
    private final List<long[]> pendingLocks = new ArrayList<>();
    private volatile boolean closed;
    /** Completed operations whose handlers have not started, newest first; see {@link #dispatch(ChannelOp)}. */
    private final AtomicReference<ChannelOp> handlerLane = new AtomicReference<>();
    private final Runnable laneRunner = this::runLane;

    private PageioFileChannel(
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
        this.executor = executor;
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
        Objects.requireNonNull(file, "file");
        boolean read = false;
        boolean write = false;
        boolean direct = false;
        boolean deleteOnClose = false;
        final Set<OpenOption> sideOptions = new HashSet<>();
        final Set<OpenOption> ringOptions = new HashSet<>();
        for (final OpenOption option : options)
        {
            if (option == null)
            {
                throw new NullPointerException("open option null: options=" + options);
            }
            if (option == StandardOpenOption.APPEND)
            {
                throw new UnsupportedOperationException("APPEND not allowed: an asynchronous channel has no position");
            }
            if (option == DirectOpenOption.DIRECT)
            {
                direct = true;
                ringOptions.add(option);
            }
            else if (option == StandardOpenOption.DELETE_ON_CLOSE)
            {
                deleteOnClose = true;
                continue; // unlinked after both opens, as the JDK unlinks right after its open
            }
            else if (!(option instanceof StandardOpenOption) && option != LinkOption.NOFOLLOW_LINKS)
            {
                throw new UnsupportedOperationException("open option not supported: option=" + option);
            }
            read |= option == StandardOpenOption.READ;
            write |= option == StandardOpenOption.WRITE;
            if (option == StandardOpenOption.DSYNC || option == StandardOpenOption.SYNC)
            {
                ringOptions.add(option);
            }
            sideOptions.add(option);
        }
        if (!read && !write)
        {
            read = true;
            sideOptions.add(StandardOpenOption.READ);
        }
        if (read)
        {
            ringOptions.add(StandardOpenOption.READ);
        }
        if (write)
        {
            ringOptions.add(StandardOpenOption.WRITE);
        }
        final ExecutorService handlers = executor != null ? executor : DefaultHandlerPool.get();
        final IoRing target = ring != null ? ring : DefaultRings.ringFor(direct);
        // The JDK's own open creates, truncates and checks the file and throws its typed exceptions; the ring's
        // descriptor is then opened on the file that now exists, with only the access mode and sync flags.
        final FileChannel side = FileChannel.open(file, sideOptions, attrs);
        FileAccess access = null;
        try
        {
            final int alignment = direct ? Math.toIntExact(Files.getFileStore(file).getBlockSize()) : 1;
            access = openAccess(target, file, ringOptions, direct);
            final IoFile ioFile;
            try
            {
                ioFile = target.adopt(access);
            }
            catch (final IllegalArgumentException e)
            {
                throw new UnsupportedOperationException("engine refuses the file: engine=" + target.engineName() +
                    " path=" + file + " direct=" + direct + ": " + e.getMessage(), e);
            }
            access = null;
            if (deleteOnClose)
            {
                Files.deleteIfExists(file);
            }
            return new PageioFileChannel(target, ioFile, side, handlers, read, write, alignment);
        }
        catch (final IOException | RuntimeException | Error e)
        {
            closeQuietly(side, e);
            if (access != null)
            {
                closeQuietly(access, e);
            }
            throw e;
        }
    }

    private static FileAccess openAccess(
        final IoRing ring, final Path file, final Set<OpenOption> options, final boolean direct) throws IOException
    {
        final IoEngine engine = ring.selection().engine();
        if (!direct)
        {
            try
            {
                return engine.openFile(file, options);
            }
            catch (final IllegalArgumentException e)
            {
                throw new UnsupportedOperationException("engine refuses the file: engine=" + engine.name() +
                    " path=" + file + " direct=false: " + e.getMessage(), e);
            }
        }
        final FileAccess own = tryOpenDirect(engine, file, options);
        if (own != null)
        {
            return own;
        }
        // io-native's io_uring engine opens descriptors without O_DIRECT (its FdFileAccess refuses the DIRECT
        // option); another engine on the class path that opens O_DIRECT descriptors (aio) opens it instead.
        // The descriptor is a plain open(2) file; which engine opened it does not matter to the ring.
        for (final IoEngine other : Engines.all())
        {
            if (other != engine && other.available())
            {
                final FileAccess access = tryOpenDirect(other, file, options);
                if (access != null && access.fd() >= 0)
                {
                    return access;
                }
                if (access != null)
                {
                    access.close();
                }
            }
        }
        throw new UnsupportedOperationException("no engine opens O_DIRECT descriptors for this ring: engine=" +
            engine.name() + " path=" + file);
    }

    private static FileAccess tryOpenDirect(final IoEngine engine, final Path file, final Set<OpenOption> options)
        throws IOException
    {
        final FileAccess access;
        try
        {
            access = engine.openFile(file, options);
        }
        catch (final IllegalArgumentException | UnsupportedOperationException e)
        {
            return null;
        }
        // A ChannelFileAccess opened with DIRECT is a FileChannel opened O_DIRECT by the JDK.
        if (access.direct() || access instanceof ChannelFileAccess)
        {
            return access;
        }
        access.close();
        return null;
    }

    private static void closeQuietly(final AutoCloseable c, final Throwable primary)
    {
        try
        {
            c.close();
        }
        catch (final Exception e)
        {
            primary.addSuppressed(e);
        }
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

    private void checkOpen() throws ClosedChannelException
    {
        if (closed)
        {
            throw new ClosedChannelException();
        }
    }

    /** The failure of an operation that raced with close: the JDK reports these as asynchronous closes. */
    private IOException closedFailure()
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

    private <V, A> Future<V> completeAtOnce(
        final V value, final Throwable failure, final A attachment, final CompletionHandler<V, ? super A> handler)
    {
        if (handler == null)
        {
            return failure == null ? ChannelFuture.completed(this, value) : ChannelFuture.failed(this, failure);
        }
        dispatch(() -> invoke(handler, attachment, value, failure));
        return null;
    }

    static <V, A> void invoke(
        final CompletionHandler<V, ? super A> handler, final A attachment, final V value, final Throwable failure)
    {
        if (failure == null)
        {
            handler.completed(value, attachment);
        }
        else
        {
            handler.failed(failure, attachment);
        }
    }

    /**
     * Hands a completed operation to its handler. Operations that complete while earlier ones still wait for an
     * executor thread join them in the handler lane and run on the same executor task, in completion order: under
     * load one hand-off to the executor serves a whole reaped batch instead of one per operation (a hand-off may
     * have to wake a parked thread). A lane is never waited on: the
     * first operation into an empty lane schedules the task that takes the whole lane, and later ones find a lane
     * that is already scheduled. Handlers that complete while a batch runs form the next batch, on another
     * executor thread, so a handler that blocks delays only the handlers taken with it.
     */
    void dispatch(final ChannelOp op)
    {
        ChannelOp head;
        do
        {
            head = handlerLane.get();
            op.nextInLane = head;
        }
        while (!handlerLane.compareAndSet(head, op));
        if (head == null)
        {
            dispatch(laneRunner);
        }
    }

    /** On the executor: the operations of the lane, oldest first; a handler that throws does not stop the rest. */
    private void runLane()
    {
        ChannelOp op = handlerLane.getAndSet(null);
        ChannelOp oldest = null;
        while (op != null) // the lane is a stack, newest first: reverse it
        {
            final ChannelOp next = op.nextInLane;
            op.nextInLane = oldest;
            oldest = op;
            op = next;
        }
        Throwable thrown = null;
        for (op = oldest; op != null; )
        {
            final ChannelOp next = op.nextInLane; // read before run(): the op goes back to its pool there
            op.nextInLane = null;
            try
            {
                op.run();
            }
            catch (final RuntimeException | Error e)
            {
                if (thrown == null)
                {
                    thrown = e;
                }
                else
                {
                    thrown.addSuppressed(e);
                }
            }
            op = next;
        }
        if (thrown instanceof RuntimeException)
        {
            throw (RuntimeException)thrown;
        }
        if (thrown != null)
        {
            throw (Error)thrown;
        }
    }

    /**
     * Runs a handler task on the channel's executor; when the executor refuses it (shut down), on a thread of its
     * own, so that no completion is ever lost and none runs on the agent.
     */
    void dispatch(final Runnable task)
    {
        try
        {
            executor.execute(task);
        }
        catch (final RejectedExecutionException e)
        {
            final Thread t = new Thread(task, "pageio-channel-handler-rejected");
            t.setDaemon(true);
            t.start();
        }
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
        return implLock(position, size, shared, null, null);
    }

    @Override
    public <A> void lock(
        final long position, final long size, final boolean shared, final A attachment,
        final CompletionHandler<FileLock, ? super A> handler)
    {
        Objects.requireNonNull(handler, "'handler' is null");
        implLock(position, size, shared, attachment, handler);
    }

    private <A> Future<FileLock> implLock(
        final long position, final long size, final boolean shared, final A attachment,
        final CompletionHandler<FileLock, ? super A> handler)
    {
        if (shared && !reading)
        {
            throw new NonReadableChannelException();
        }
        if (!shared && !writing)
        {
            throw new NonWritableChannelException();
        }
        checkLockRange(position, size);
        final long length = size != 0 ? size : Long.MAX_VALUE - Math.max(0, position);
        if (closed)
        {
            return completeAtOnce(null, new ClosedChannelException(), attachment, handler);
        }
        // First without waiting, on the caller's thread: an overlap with a lock held in this JVM throws
        // OverlappingFileLockException here, at the call, as the JDK's does.
        final FileLock inner;
        final long[] range = {position, length};
        try
        {
            synchronized (pendingLocks)
            {
                checkNotPending(position, length);
                inner = side.tryLock(position, length, shared);
                if (inner == null)
                {
                    pendingLocks.add(range);
                }
            }
        }
        catch (final IOException e)
        {
            return completeAtOnce(null, mapFailure(e instanceof ClosedChannelException ? closedFailure() : e),
                attachment, handler);
        }
        if (inner != null)
        {
            final FileLock lock;
            try
            {
                lock = register(inner, size);
            }
            catch (final IOException e)
            {
                return completeAtOnce(null, e, attachment, handler);
            }
            return completeAtOnce(lock, null, attachment, handler);
        }
        // Held by another process: wait for it on an executor thread (fcntl F_SETLKW), as the JDK does.
        final ChannelFuture<FileLock> future = handler == null ? new ChannelFuture<>(this) : null;
        final Runnable task = () ->
        {
            FileLock lock = null;
            Throwable failure = null;
            try
            {
                final FileLock acquired;
                try
                {
                    acquired = side.lock(position, length, shared);
                }
                finally
                {
                    synchronized (pendingLocks)
                    {
                        pendingLocks.remove(range);
                    }
                }
                lock = register(acquired, size);
                if (future != null && future.isCancelled())
                {
                    forget((ChannelFileLock)lock);
                    acquired.release();
                }
            }
            catch (final ClosedChannelException e)
            {
                failure = new AsynchronousCloseException();
            }
            catch (final IOException | RuntimeException e)
            {
                failure = mapFailure(e);
            }
            if (future != null)
            {
                if (failure == null)
                {
                    future.complete(lock);
                }
                else
                {
                    future.fail(failure);
                }
            }
            else
            {
                invoke(handler, attachment, lock, failure);
            }
        };
        try
        {
            executor.execute(task);
        }
        catch (final RejectedExecutionException e)
        {
            synchronized (pendingLocks)
            {
                pendingLocks.remove(range);
            }
            throw new ShutdownChannelGroupException();
        }
        return future;
    }

    /**
     * The JDK enters a waiting lock in the JVM's lock table at the call; the side channel enters it only once its
     * executor thread starts waiting, so overlaps with this channel's waiting locks are checked here.
     */
    private void checkNotPending(final long position, final long length)
    {
        for (final long[] p : pendingLocks)
        {
            if (position < p[0] + p[1] && p[0] < position + length)
            {
                throw new OverlappingFileLockException();
            }
        }
    }

    private static void checkLockRange(final long position, final long size)
    {
        if (position < 0)
        {
            throw new IllegalArgumentException("position negative: position=" + position);
        }
        if (size < 0)
        {
            throw new IllegalArgumentException("size negative: size=" + size);
        }
        if (position + size < 0)
        {
            throw new IllegalArgumentException("position+size overflows: position=" + position + " size=" + size);
        }
    }

    @Override
    public FileLock tryLock(final long position, final long size, final boolean shared) throws IOException
    {
        if (shared && !reading)
        {
            throw new NonReadableChannelException();
        }
        if (!shared && !writing)
        {
            throw new NonWritableChannelException();
        }
        checkLockRange(position, size);
        checkOpen();
        final long length = size != 0 ? size : Long.MAX_VALUE - Math.max(0, position);
        final FileLock inner;
        try
        {
            synchronized (pendingLocks)
            {
                checkNotPending(position, length);
                inner = side.tryLock(position, length, shared);
            }
        }
        catch (final ClosedChannelException e)
        {
            throw new AsynchronousCloseException();
        }
        return inner == null ? null : register(inner, size);
    }

    /** The first JDK feature release seen reporting a whole-file lock's size as FileChannel does (JDK 25). */
    private static final int LOCK_SIZE_AS_FILE_CHANNEL_FROM = 25;

    /**
     * @param size the size the lock reports: the one asked for, as JDK 17's channel reports it (0 for "to the
     *             end, however far"; the side channel's own lock reports {@code Long.MAX_VALUE - position}).
     */
    private ChannelFileLock register(final FileLock inner, final long size) throws IOException
    {
        // A lock "to the end" (size 0) reports size 0 on JDK 17's channel and Long.MAX_VALUE - position on JDK 25's
        // (both seen by the differential suite); the release in between that changed it was not looked up.
        final long reported = size == 0 && Runtime.version().feature() >= LOCK_SIZE_AS_FILE_CHANNEL_FROM ?
            inner.size() : size;
        final ChannelFileLock lock = new ChannelFileLock(this, inner, reported);
        locks.add(lock);
        if (closed)
        {
            // close() may have walked the set before this lock joined it
            forget(lock);
            lock.invalidate();
            throw new AsynchronousCloseException();
        }
        return lock;
    }

    private void forget(final ChannelFileLock lock)
    {
        locks.remove(lock);
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
        for (final ChannelFileLock lock : locks)
        {
            lock.invalidate();
        }
        locks.clear();
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
