package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A file open on a ring. Every method may be called from any thread. Reads and writes name an explicit file
 * offset and use the buffer's bytes from its position to its limit; the buffer's position and limit are left
 * as they were, and the caller must not touch the buffer until the request completes.
 *
 * <p>Completion comes through an {@link IoHandler} on the ring's agent thread (no allocation), or, for
 * convenience, as a {@link CompletableFuture}. A read completes with fewer bytes than asked only at end of file;
 * a write completes whole (short writes are resubmitted inside the ring) or fails. Zero-length requests complete
 * with 0.
 *
 * <p>Argument errors are thrown at the call, with the value and the rule: negative offset, offset+length
 * overflow, null buffer, read-only buffer for a read, a heap buffer on an engine that needs native memory,
 * misalignment on an O_DIRECT file, too many segments; {@link ClosedFileException} and
 * {@link ClosedRingException} after close; {@link QueueFullException} as back-pressure.
 */
public final class IoFile implements AutoCloseable
{
    private static final VarHandle CLOSE_REPORTED;

    static
    {
        try
        {
            CLOSE_REPORTED = MethodHandles.lookup().findVarHandle(IoFile.class, "closeReported", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IoRing ring;
    private final FileAccess access;
    private final String pathText;
    private final Submission submission;
    private final RingDriver driver;
    private final FileState state;
    private final CompletableFuture<Void> closeFuture;
    private volatile IoFailure closeBarrierFailure;
    @SuppressWarnings("unused") // through CLOSE_REPORTED
    private volatile int closeReported;

    IoFile(final IoRing ring, final FileAccess access, final Submission submission, final RingDriver driver,
        final BarrierPolicy barrierPolicy)
    {
        this.ring = ring;
        this.access = access;
        this.pathText = String.valueOf(access.path());
        this.submission = submission;
        this.driver = driver;
        this.closeFuture = new RingFuture<>(driver);
        long size;
        try
        {
            size = access.size();
        }
        catch (final IOException | RuntimeException e)
        {
            size = 0;
        }
        final BarrierObserver observer = ring.config().barrierObserver();
        final BarrierTracker barriers = new BarrierTracker(pathText, access.syncWrites(), access.direct(),
            ring.config(), barrierPolicy, size, driver, observer == null ? null : new BarrierObserverBinding(observer, this));
        this.state = new FileState(access, pathText, barriers, this::finishClose);
    }

    /** @return the ring the file is open on. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return the file's path. */
    public Path path()
    {
        return access.path();
    }

    /** @return the engines' view of the file (descriptor, alignment). */
    public FileAccess access()
    {
        return access;
    }

    /** @return true once {@link #close()} or {@link #closeAsync()} was called. */
    public boolean isClosed()
    {
        return state.isClosed();
    }

    /**
     * @return the file's size in bytes (a system call; not for the hot path).
     * @throws UncheckedIOException as the operating system reported it.
     */
    public long size()
    {
        checkOpen();
        try
        {
            return access.size();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** @return what the ring's machinery sees of this file. */
    FileState state()
    {
        return state;
    }

    // ---------------------------------------------------------------------------------------------- callbacks

    /**
     * Reads {@code dst.remaining()} bytes at {@code fileOffset} into {@code dst} from its position.
     *
     * @param fileOffset where in the file, &ge; 0.
     * @param dst        the buffer.
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void read(
        final long fileOffset, final ByteBuffer dst, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        submission.submit(state, IoOp.READ, fileOffset, dst, null, handler, attachment, token);
    }

    /**
     * Writes {@code src.remaining()} bytes from its position at {@code fileOffset}; writing past the end extends
     * the file.
     *
     * @param fileOffset where in the file, &ge; 0.
     * @param src        the buffer.
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     * @return the write's sequence number in this file (1, 2, 3…; docs/DURABILITY.md), for {@link #barrierCovering}.
     */
    public <A> long write(
        final long fileOffset, final ByteBuffer src, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        return submission.submit(state, IoOp.WRITE, fileOffset, src, null, handler, attachment, token);
    }

    /**
     * Reads at {@code fileOffset}, filling each buffer's remaining bytes in order (preadv).
     *
     * @param fileOffset where in the file, &ge; 0.
     * @param dsts       the buffers, at most {@link RingConfig#maxSegments()}.
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void readv(
        final long fileOffset, final ByteBuffer[] dsts, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        submission.submit(state, IoOp.READV, fileOffset, null, dsts, handler, attachment, token);
    }

    /**
     * Writes each buffer's remaining bytes in order at {@code fileOffset} (pwritev).
     *
     * @param fileOffset where in the file, &ge; 0.
     * @param srcs       the buffers, at most {@link RingConfig#maxSegments()}.
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     * @return the write's sequence number in this file, for {@link #barrierCovering}.
     */
    public <A> long writev(
        final long fileOffset, final ByteBuffer[] srcs, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        return submission.submit(state, IoOp.WRITEV, fileOffset, null, srcs, handler, attachment, token);
    }

    /**
     * fsync(2) through the ring, as POSIX aio_fsync means it: completes with 0 only once every write on this file
     * accepted before the call has completed and an fsync issued after that returned 0 (docs/DURABILITY.md rules
     * 1, 2 and 11); fails, for good, once a covered write or a sync on the file failed (the file's barrier
     * poison). Unlike {@link #barrier(BarrierMode)} it always issues a sync of its own (shared with the barriers
     * waiting then), so it also covers what the ring cannot see: fallocate, writes through another descriptor.
     *
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void fsync(final IoHandler<? super A> handler, final A attachment, final long token)
    {
        submission.submit(state, IoOp.FSYNC, 0, null, null, handler, attachment, token);
    }

    /**
     * fdatasync(2) through the ring, with {@link #fsync}'s coverage (aio_fsync with O_DSYNC).
     *
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void fdatasync(final IoHandler<? super A> handler, final A attachment, final long token)
    {
        submission.submit(state, IoOp.FDATASYNC, 0, null, null, handler, attachment, token);
    }

    /**
     * A barrier (see {@code docs/DURABILITY.md}): completes once every write accepted on this file before the call is
     * durable, with its covered sequence number as the result; fails, for good, once a covered write or a sync
     * failed. Concurrent barriers share syncs (group commit); up to {@link RingConfig#barrierSyncsInFlightMax()}
     * syncs are in flight per O_DIRECT file (one through the page cache), each issued only after the writes it
     * covers completed and only when it covers writes no sync in flight does (rule 4); later writes are not held
     * back. A barrier already covered completes without a system call.
     *
     * @param mode       DATA (fdatasync), FULL (fsync) or AUTO (FULL when the file grew).
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void barrier(final BarrierMode mode, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        submission.submitBarrier(state, mode, state.barriers.lastSeq(), handler, attachment, token, false);
    }

    /**
     * @param mode the barrier's mode.
     * @return completes with the covered sequence number; see {@link #barrier(BarrierMode, IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> barrier(final BarrierMode mode)
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        barrier(mode, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /**
     * A barrier that covers the writes with sequence numbers up to {@code seq} (as {@link #write} returned them)
     * rather than every write accepted before the call: it completes once those are durable, with {@code seq} as
     * the result, and is not held back by writes accepted after {@code seq} (docs/DURABILITY.md rules 1-5 with
     * S = seq). A log that knows which write holds a record waits for that write only.
     *
     * @param seq        a sequence number this file issued, 1 to {@link #lastWriteSeq()}.
     * @param mode       DATA, FULL or AUTO.
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     * @throws IllegalArgumentException when {@code seq} was not issued on this file.
     */
    public <A> void barrierCovering(final long seq, final BarrierMode mode, final IoHandler<? super A> handler,
        final A attachment, final long token)
    {
        final long last = state.barriers.lastSeq();
        if (seq < 1 || seq > last)
        {
            throw new IllegalArgumentException("seq not issued: seq=" + seq + " lastWriteSeq=" + last + " path=" +
                pathText);
        }
        submission.submitBarrier(state, mode, seq, handler, attachment, token, false);
    }

    /**
     * @param seq  a sequence number this file issued, 1 to {@link #lastWriteSeq()}.
     * @param mode DATA, FULL or AUTO.
     * @return completes with {@code seq}; see {@link #barrierCovering(long, BarrierMode, IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> barrierCovering(final long seq, final BarrierMode mode)
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        barrierCovering(seq, mode, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return the sequence number of the last write accepted on this file (0 before any); any thread. */
    public long lastWriteSeq()
    {
        return state.barriers.lastSeq();
    }

    /** @return {@link #barrier(BarrierMode)} in AUTO mode. */
    public CompletableFuture<Long> barrier()
    {
        return barrier(BarrierMode.AUTO);
    }

    /**
     * Explicit ordering (docs/DURABILITY.md rule 7): writes {@code src} at {@code fileOffset} only after {@code dependency}
     * (typically another file's barrier: WAL before page) succeeded. When it fails, the write is not issued and
     * the returned future fails with an {@link IoFailure} (ECANCELED) whose cause is the dependency's failure.
     *
     * @param dependency what must succeed first.
     * @param fileOffset where the bytes go.
     * @param src        the bytes (its remaining ones).
     * @return the bytes written.
     */
    public CompletableFuture<Long> writeAfter(final CompletableFuture<?> dependency, final long fileOffset, final ByteBuffer src)
    {
        final CompletableFuture<Long> result = new RingFuture<>(driver);
        dependency.whenComplete((ignored, error) ->
        {
            if (error != null)
            {
                final Throwable cause = error instanceof CompletionException && error.getCause() != null ?
                    error.getCause() : error;
                result.completeExceptionally(IoFailure.of(IoOp.WRITE, pathText, access.fd(), fileOffset,
                    src.remaining(), Errno.ECANCELED, "not issued: the barrier it waited for failed: " + cause.getMessage(),
                    cause));
                return;
            }
            try
            {
                write(fileOffset, src, FutureHandler.INSTANCE, result, 0);
            }
            catch (final RuntimeException e)
            {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** @return syncs issued for barriers on this file so far (agent's count; approximate while running). */
    public long barrierSyncs()
    {
        return state.barriers.syncs();
    }

    /** @return barriers completed on this file so far (agent's count; approximate while running). */
    public long barriersCompleted()
    {
        return state.barriers.barriers();
    }

    /** @return the failure that poisoned this file's barriers, or null (agent's view; approximate while running). */
    public IoFailure barrierPoison()
    {
        return state.barriers.poison();
    }

    /**
     * A no-op through the ring and its engine (IORING_OP_NOP on io_uring): completes with 0. Measures the ring's
     * own per-request cost; touches nothing.
     *
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void nop(final IoHandler<? super A> handler, final A attachment, final long token)
    {
        submission.submit(state, IoOp.NOP, 0, null, null, handler, attachment, token);
    }

    /** @return completes with 0; see {@link #nop(IoHandler, Object, long)}. */
    public CompletableFuture<Long> nop()
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        nop(FutureHandler.INSTANCE, f, 0);
        return f;
    }

    // ------------------------------------------------------------------------------------------------ futures

    /**
     * @param fileOffset where in the file.
     * @param dst        the buffer read into (its remaining bytes).
     * @return the bytes read; see {@link #read(long, ByteBuffer, IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> read(final long fileOffset, final ByteBuffer dst)
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        read(fileOffset, dst, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /**
     * @param fileOffset where in the file.
     * @param src        the bytes to write (its remaining bytes).
     * @return the bytes written; see {@link #write(long, ByteBuffer, IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> write(final long fileOffset, final ByteBuffer src)
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        write(fileOffset, src, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /**
     * @param fileOffset where in the file.
     * @param dsts       the buffers read into (their remaining bytes).
     * @return the bytes read; see {@link #readv(long, ByteBuffer[], IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> readv(final long fileOffset, final ByteBuffer[] dsts)
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        readv(fileOffset, dsts, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /**
     * @param fileOffset where in the file.
     * @param srcs       the buffers to write (their remaining bytes).
     * @return the bytes written; see {@link #writev(long, ByteBuffer[], IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> writev(final long fileOffset, final ByteBuffer[] srcs)
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        writev(fileOffset, srcs, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return completes with 0; see {@link #fsync(IoHandler, Object, long)}. */
    public CompletableFuture<Long> fsync()
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        fsync(FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return completes with 0; see {@link #fdatasync(IoHandler, Object, long)}. */
    public CompletableFuture<Long> fdatasync()
    {
        final CompletableFuture<Long> f = new RingFuture<>(driver);
        fdatasync(FutureHandler.INSTANCE, f, 0);
        return f;
    }

    void checkOpen()
    {
        state.checkOpen();
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * Closes the file: refuses new requests at once; then a barrier (when writes were accepted since the last
     * one), then closes the descriptor once every accepted request has completed: a file is never closed under
     * its own writes or syncs (docs/DURABILITY.md rule 11). When the barrier fails, the descriptor is still closed and the
     * future fails with the barrier's cause. The file's reads (and no-ops) still in the kernel are canceled
     * through it (IORING_OP_ASYNC_CANCEL, io_cancel) and end with ECANCELED, unless they complete first; its writes
     * and syncs are never canceled by a close. Idempotent.
     *
     * <p>When the barrier cannot be queued, the close is not a barrier and the future says so: it fails with an
     * {@link IoFailure} ({@code EAGAIN} when no slot came free within the submit timeout; {@code ECANCELED} when the
     * ring's {@link IoRing#close()} began after this close and closed the ring before the barrier was queued: the
     * ring's close barriers only the files whose close it started).
     *
     * @return completes once the descriptor is closed.
     */
    public CompletableFuture<Void> closeAsync()
    {
        // Counted in until the close barrier is: else the last write's exit() could see 0 and close the
        // descriptor before the barrier is queued, and the barrier would sync a closed (or reused) fd.
        if (!state.beginClose())
        {
            return closeFuture;
        }
        // Closes the numbering too: a write counted in before the close but not yet numbered is refused rather
        // than accepted behind this barrier's back (docs/DURABILITY.md rule 11).
        final long lastSeq = state.barriers.closeSeq();
        if (lastSeq > 0)
        {
            try
            {
                if (submission.isClosed())
                {
                    throw new ClosedRingException(
                        "ring closed: ring=" + ring.config().name() + " engine=" + ring.engineName());
                }
                submission.submitBarrier(state, BarrierMode.AUTO, lastSeq, CLOSE_BARRIER, this, 0, true);
            }
            catch (final QueueFullException e)
            {
                // No slot for the barrier within the submit timeout: the close is not a barrier, and says so.
                closeBarrierFailure = IoFailure.of(IoOp.BARRIER, pathText, access.fd(), 0, 0, Errno.EAGAIN,
                    "the closing barrier could not be queued, the file is closed without it: " + e.getMessage(), e);
            }
            catch (final ClosedRingException e)
            {
                // The ring's close began after this close did, so it skipped this file (RingFiles.startClosing), and
                // it closed the ring before this barrier was queued: nothing synced the writes this file accepted
                // after its last barrier. Reported, never dropped (rule 11): the close is not a barrier.
                closeBarrierFailure = IoFailure.of(IoOp.BARRIER, pathText, access.fd(), 0, 0, Errno.ECANCELED,
                    "the ring closed while this file was closing, before its closing barrier was queued; the " +
                        "file is closed without it (writes up to seq=" + lastSeq + " are durable only as far as " +
                        "an earlier barrier covered them): " + e.getMessage(), e);
            }
        }
        // A read that never ends on its own (a FIFO nobody writes) would hold the close for ever: cancel it.
        driver.cancelReadsOf(state);
        state.exit();
        return closeFuture;
    }

    private static final IoHandler<IoFile> CLOSE_BARRIER = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final IoFile file, final long token)
        {
        }

        @Override
        public void failed(final IoFailure failure, final IoFile file, final long token)
        {
            file.closeBarrierFailure = failure;
        }
    };

    /**
     * {@link #closeAsync()} and waits for it. From the ring's own agent thread (a completion handler) use
     * {@link #closeAsync()}: waiting there would wait for itself.
     *
     * @throws IoFailure when the closing barrier failed: the original failure (the write or sync that poisoned
     *                   the file, with its errno and this file's path), the same instance {@link #closeAsync()}'s
     *                   future fails with. Reported by the first {@code close()} only; the descriptor is closed
     *                   either way.
     */
    @Override
    public void close() throws IoFailure
    {
        final CompletableFuture<Void> f = closeAsync();
        // wait for the end, success or not, then report the failure itself (not wrapped): rule 11, issue 11 item 9
        driver.awaitFuture(f.handle((ignored, error) -> null), "file close: path=" + pathText);
        final IoFailure failure = closeFailure();
        if (failure != null && CLOSE_REPORTED.compareAndSet(this, 0, 1))
        {
            throw failure;
        }
    }

    /** @return the failure the close future failed with, as an {@link IoFailure}; null when it succeeded or is not done. */
    IoFailure closeFailure()
    {
        if (!closeFuture.isCompletedExceptionally())
        {
            return null;
        }
        try
        {
            closeFuture.join();
            return null;
        }
        catch (final CompletionException e)
        {
            return (IoFailure)e.getCause(); // finishClose fails it with an IoFailure only
        }
    }

    /** Marks the close failure as reported (by the ring's close): a later {@link #close()} does not throw it again. */
    void closeFailureReported()
    {
        CLOSE_REPORTED.setVolatile(this, 1);
    }

    /** The close hook of {@link FileState}: runs once, when the file is closed and its last request is done. */
    private void finishClose()
    {
        ring.forget(this);
        try
        {
            access.close();
            final IoFailure barrierFailure = closeBarrierFailure;
            if (barrierFailure != null)
            {
                closeFuture.completeExceptionally(barrierFailure);
            }
            else
            {
                closeFuture.complete(null);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            closeFuture.completeExceptionally(e instanceof IoFailure ? (IoFailure)e : IoFailure.of(IoOp.BARRIER,
                pathText, access.fd(), 0, 0, Errno.EIO, "close(2) of the file failed: " + e, e));
        }
    }

    @Override
    public String toString()
    {
        return "IoFile{path=" + pathText + " fd=" + access.fd() + " engine=" + ring.engineName() + "}";
    }
}
