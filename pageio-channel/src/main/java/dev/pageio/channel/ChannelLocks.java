package dev.pageio.channel;

import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ShutdownChannelGroupException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * The locks of one {@link PageioFileChannel}: POSIX record locks taken through the channel's side
 * {@link FileChannel} on the same file, so other processes see them and the JDK's JVM-wide table reports overlaps.
 * A {@code lock} that has to wait waits on an executor thread ({@code fcntl(F_SETLKW)}), as the JDK's does, and
 * fails with {@link AsynchronousCloseException} when the channel closes (closing the side channel wakes it).
 *
 * <p>Threading: any thread.
 */
final class ChannelLocks
{
    /** The first JDK feature release seen reporting a whole-file lock's size as FileChannel does (JDK 25). */
    private static final int LOCK_SIZE_AS_FILE_CHANNEL_FROM = 25;

    private final PageioFileChannel channel;
    private final FileChannel side;
    private final ExecutorService executor;
    private final boolean reading;
    private final boolean writing;
    private final Set<ChannelFileLock> locks = ConcurrentHashMap.newKeySet();
    /** Ranges of lock() calls waiting on an executor thread, {position, length}; guarded by itself. */
    private final List<long[]> pendingLocks = new ArrayList<>();

    ChannelLocks(
        final PageioFileChannel channel,
        final FileChannel side,
        final ExecutorService executor,
        final boolean reading,
        final boolean writing)
    {
        this.channel = channel;
        this.side = side;
        this.executor = executor;
        this.reading = reading;
        this.writing = writing;
    }

    /** See {@link PageioFileChannel#lock(long, long, boolean, Object, CompletionHandler)}; handler null for the future form. */
    <A> Future<FileLock> lock(
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
        if (!channel.isOpen())
        {
            return channel.completeAtOnce(null, new ClosedChannelException(), attachment, handler);
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
            final Throwable failure = e instanceof ClosedChannelException ? channel.closedFailure() : e;
            return channel.completeAtOnce(null, channel.mapFailure(failure), attachment, handler);
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
                return channel.completeAtOnce(null, e, attachment, handler);
            }
            return channel.completeAtOnce(lock, null, attachment, handler);
        }
        // Held by another process: wait for it on an executor thread (fcntl F_SETLKW), as the JDK does.
        final ChannelFuture<FileLock> future = handler == null ? new ChannelFuture<>(channel) : null;
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
                failure = channel.mapFailure(e);
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
                HandlerLane.invoke(handler, attachment, lock, failure);
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

    /** See {@link PageioFileChannel#tryLock(long, long, boolean)}. */
    FileLock tryLock(final long position, final long size, final boolean shared) throws IOException
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
        channel.checkOpen();
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
        final ChannelFileLock lock = new ChannelFileLock(channel, inner, reported);
        locks.add(lock);
        if (!channel.isOpen())
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

    /** On close, after the channel is marked closed: every lock this channel holds is released. */
    void releaseAll()
    {
        for (final ChannelFileLock lock : locks)
        {
            lock.invalidate();
        }
        locks.clear();
    }
}
