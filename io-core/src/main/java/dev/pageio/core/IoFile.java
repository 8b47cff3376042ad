package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

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
    private static final VarHandle CLOSE_DONE;

    static
    {
        try
        {
            CLOSE_DONE = MethodHandles.lookup().findVarHandle(IoFile.class, "closeDone", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final IoRing ring;
    private final FileAccess access;
    private final String pathText;
    private final int offsetAlignment;
    private final int memoryAlignment;
    /** Requests accepted and not yet completed (incremented by submitters, decremented by the agent). */
    final AtomicLong outstanding = new AtomicLong();
    private volatile boolean closed;
    @SuppressWarnings("unused") // through CLOSE_DONE
    private volatile int closeDone;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile IoFailure closeBarrierFailure;
    /** Barrier state (docs/DURABILITY.md): write numbering, completed and durable watermarks, poison. */
    final BarrierTracker barriers;

    IoFile(final IoRing ring, final FileAccess access)
    {
        this.ring = ring;
        this.access = access;
        this.pathText = String.valueOf(access.path());
        this.offsetAlignment = Math.max(1, access.offsetAlignment());
        this.memoryAlignment = Math.max(1, access.memoryAlignment());
        long size;
        try
        {
            size = access.size();
        }
        catch (final IOException | RuntimeException e)
        {
            size = 0;
        }
        this.barriers = new BarrierTracker(this, ring.config(), size);
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
        return closed;
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

    String pathText()
    {
        return pathText;
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
        ring.submit(this, IoOp.READ, fileOffset, dst, null, handler, attachment, token, null);
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
     */
    public <A> void write(
        final long fileOffset, final ByteBuffer src, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        ring.submit(this, IoOp.WRITE, fileOffset, src, null, handler, attachment, token, null);
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
        ring.submit(this, IoOp.READV, fileOffset, null, dsts, handler, attachment, token, null);
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
     */
    public <A> void writev(
        final long fileOffset, final ByteBuffer[] srcs, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        ring.submit(this, IoOp.WRITEV, fileOffset, null, srcs, handler, attachment, token, null);
    }

    /**
     * fsync(2) through the ring. It covers the writes that had completed when it is issued; for "every write
     * accepted before" use a barrier.
     *
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void fsync(final IoHandler<? super A> handler, final A attachment, final long token)
    {
        ring.submit(this, IoOp.FSYNC, 0, null, null, handler, attachment, token, null);
    }

    /**
     * fdatasync(2) through the ring; see {@link #fsync}.
     *
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void fdatasync(final IoHandler<? super A> handler, final A attachment, final long token)
    {
        ring.submit(this, IoOp.FDATASYNC, 0, null, null, handler, attachment, token, null);
    }

    /**
     * A barrier (see {@code docs/DURABILITY.md}): completes once every write accepted on this file before the call is
     * durable, with its covered sequence number as the result; fails, for good, once a covered write or a sync
     * failed. Concurrent barriers share syncs (group commit); at most one sync is in flight per file, issued only
     * after the writes it covers completed; later writes are not held back. A barrier already covered completes
     * without a system call.
     *
     * @param mode       DATA (fdatasync), FULL (fsync) or AUTO (FULL when the file grew).
     * @param handler    called once on completion.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void barrier(final BarrierMode mode, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        ring.submitBarrier(this, mode, barriers.lastSeq(), handler, attachment, token, false);
    }

    /** @return completes with the covered sequence number; see {@link #barrier(BarrierMode, IoHandler, Object, long)}. */
    public CompletableFuture<Long> barrier(final BarrierMode mode)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        barrier(mode, FutureHandler.INSTANCE, f, 0);
        return f;
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
     * @return the bytes written.
     */
    public CompletableFuture<Long> writeAfter(final CompletableFuture<?> dependency, final long fileOffset, final ByteBuffer src)
    {
        final CompletableFuture<Long> result = new CompletableFuture<>();
        dependency.whenComplete((ignored, error) ->
        {
            if (error != null)
            {
                final Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ?
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
        return barriers.syncs();
    }

    /** @return barriers completed on this file so far (agent's count; approximate while running). */
    public long barriersCompleted()
    {
        return barriers.barriers();
    }

    /** @return the failure that poisoned this file's barriers, or null (agent's view; approximate while running). */
    public IoFailure barrierPoison()
    {
        return barriers.poison();
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
        ring.submit(this, IoOp.NOP, 0, null, null, handler, attachment, token, null);
    }

    /** @return completes with 0; see {@link #nop(IoHandler, Object, long)}. */
    public CompletableFuture<Long> nop()
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        nop(FutureHandler.INSTANCE, f, 0);
        return f;
    }

    // ------------------------------------------------------------------------------------------------ futures

    /** @return the bytes read; see {@link #read(long, ByteBuffer, IoHandler, Object, long)}. */
    public CompletableFuture<Long> read(final long fileOffset, final ByteBuffer dst)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        read(fileOffset, dst, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return the bytes written; see {@link #write(long, ByteBuffer, IoHandler, Object, long)}. */
    public CompletableFuture<Long> write(final long fileOffset, final ByteBuffer src)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        write(fileOffset, src, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return the bytes read; see {@link #readv(long, ByteBuffer[], IoHandler, Object, long)}. */
    public CompletableFuture<Long> readv(final long fileOffset, final ByteBuffer[] dsts)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        readv(fileOffset, dsts, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return the bytes written; see {@link #writev(long, ByteBuffer[], IoHandler, Object, long)}. */
    public CompletableFuture<Long> writev(final long fileOffset, final ByteBuffer[] srcs)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        writev(fileOffset, srcs, FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return completes with 0; see {@link #fsync(IoHandler, Object, long)}. */
    public CompletableFuture<Long> fsync()
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        fsync(FutureHandler.INSTANCE, f, 0);
        return f;
    }

    /** @return completes with 0; see {@link #fdatasync(IoHandler, Object, long)}. */
    public CompletableFuture<Long> fdatasync()
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        fdatasync(FutureHandler.INSTANCE, f, 0);
        return f;
    }

    // ---------------------------------------------------------------------------------------------- checking

    void checkOpen()
    {
        if (closed)
        {
            throw new ClosedFileException("file closed: path=" + pathText);
        }
    }

    /** Counts in the barrier of close, which is accepted although the file is closed to everything else. */
    void enterForClose()
    {
        outstanding.incrementAndGet();
    }

    /** Counts a request in; refused when the file is closed (the count is rolled back first). */
    void enter()
    {
        outstanding.incrementAndGet();
        if (closed)
        {
            exit();
            throw new ClosedFileException("file closed: path=" + pathText);
        }
    }

    /** Counts a request out (agent thread, or a submitter rolling back). */
    void exit()
    {
        if (outstanding.decrementAndGet() == 0 && closed)
        {
            finishClose();
        }
    }

    /**
     * Validates a transfer's arguments against the rules of the file (alignment) and the ring (direct buffers).
     *
     * @return the total length.
     */
    long checkTransfer(final IoOp op, final long fileOffset, final ByteBuffer buffer, final ByteBuffer[] buffers,
        final boolean directBuffersRequired, final int maxSegments)
    {
        if (fileOffset < 0)
        {
            throw new IllegalArgumentException("offset negative: offset=" + fileOffset + " op=" + op);
        }
        long length;
        if (op.vectored())
        {
            if (buffers == null)
            {
                throw new NullPointerException("buffers null: op=" + op);
            }
            if (buffers.length > maxSegments)
            {
                throw new IllegalArgumentException("too many segments: segments=" + buffers.length +
                    " maxSegments=" + maxSegments);
            }
            length = 0;
            for (int i = 0; i < buffers.length; i++)
            {
                final ByteBuffer b = buffers[i];
                if (b == null)
                {
                    throw new NullPointerException("buffer null: op=" + op + " segment=" + i);
                }
                checkBuffer(op, b, directBuffersRequired, i);
                length += b.remaining();
            }
        }
        else
        {
            if (buffer == null)
            {
                throw new NullPointerException("buffer null: op=" + op);
            }
            checkBuffer(op, buffer, directBuffersRequired, -1);
            length = buffer.remaining();
        }
        if (fileOffset > Long.MAX_VALUE - length)
        {
            throw new IllegalArgumentException("offset+length overflows: offset=" + fileOffset + " length=" + length);
        }
        if (offsetAlignment > 1 && fileOffset % offsetAlignment != 0)
        {
            throw new IllegalArgumentException("offset not aligned: offset=" + fileOffset + " alignment=" +
                offsetAlignment + " (O_DIRECT) path=" + pathText);
        }
        return length;
    }

    private void checkBuffer(final IoOp op, final ByteBuffer b, final boolean directRequired, final int segment)
    {
        final String where = segment >= 0 ? " segment=" + segment : "";
        if (!op.writes() && b.isReadOnly())
        {
            throw new IllegalArgumentException("buffer read-only: a read needs a writable buffer: op=" + op + where);
        }
        if ((directRequired || offsetAlignment > 1) && !b.isDirect())
        {
            throw new IllegalArgumentException("buffer not direct: engine " + ring.engineName() +
                (offsetAlignment > 1 ? " and O_DIRECT need" : " needs") + " native memory: op=" + op + where);
        }
        if (offsetAlignment > 1)
        {
            final int length = b.remaining();
            if (length % offsetAlignment != 0)
            {
                throw new IllegalArgumentException("length not aligned: length=" + length + " alignment=" +
                    offsetAlignment + " (O_DIRECT) path=" + pathText + where);
            }
            if (memoryAlignment > 1 && b.alignmentOffset(b.position(), memoryAlignment) != 0)
            {
                throw new IllegalArgumentException("buffer address not aligned: misalignment=" +
                    b.alignmentOffset(b.position(), memoryAlignment) + " alignment=" + memoryAlignment +
                    " (O_DIRECT) path=" + pathText + where);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * Closes the file: refuses new requests at once; then a barrier (when writes were accepted since the last
     * one), then closes the descriptor once every accepted request has completed: a file is never closed under
     * its own writes or syncs (docs/DURABILITY.md rule 11). When the barrier fails, the descriptor is still closed and the
     * future fails with the barrier's cause. On a ring that is closing, no barrier is issued. Idempotent.
     *
     * @return completes once the descriptor is closed.
     */
    public CompletableFuture<Void> closeAsync()
    {
        synchronized (closeFuture)
        {
            if (closed)
            {
                return closeFuture;
            }
            // Counted in until the close barrier is: else the last write's exit() could see 0 and close the
            // descriptor before the barrier is queued, and the barrier would sync a closed (or reused) fd.
            outstanding.incrementAndGet();
            closed = true;
        }
        if (barriers.lastSeq() > 0 && !ring.isClosed())
        {
            try
            {
                ring.submitBarrier(this, BarrierMode.AUTO, barriers.lastSeq(), CLOSE_BARRIER, this, 0, true);
            }
            catch (final IllegalStateException e)
            {
                // The ring closed meanwhile: close without the barrier.
            }
        }
        exit();
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
     */
    @Override
    public void close()
    {
        final CompletableFuture<Void> f = closeAsync();
        ring.awaitFuture(f, "file close: path=" + pathText);
    }

    private void finishClose()
    {
        if (CLOSE_DONE.compareAndSet(this, 0, 1))
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
                closeFuture.completeExceptionally(e);
            }
        }
    }

    @Override
    public String toString()
    {
        return "IoFile{path=" + pathText + " fd=" + access.fd() + " engine=" + ring.engineName() + "}";
    }

    /** Completes a {@link CompletableFuture} attachment. */
    static final class FutureHandler implements IoHandler<CompletableFuture<Long>>
    {
        static final IoHandler<Object> INSTANCE = cast(new FutureHandler());

        @SuppressWarnings("unchecked")
        private static IoHandler<Object> cast(final IoHandler<?> handler)
        {
            return (IoHandler<Object>)handler;
        }

        @Override
        public void completed(final long result, final CompletableFuture<Long> future, final long token)
        {
            future.complete(result);
        }

        @Override
        public void failed(final IoFailure failure, final CompletableFuture<Long> future, final long token)
        {
            future.completeExceptionally(failure);
        }
    }
}
