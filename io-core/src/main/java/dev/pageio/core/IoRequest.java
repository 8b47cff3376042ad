package dev.pageio.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable control block for one operation, the Java form of POSIX's {@code aiocb}: describe the operation
 * ({@link #read}, {@link #write}, …), submit it ({@link #submit()}, or several with
 * {@link IoRing#submitBatch}), then ask its {@link #status()} ({@code aio_error}), take its {@link #result()}
 * ({@code aio_return}), wait for it or for any of several ({@link #awaitAny}, {@code aio_suspend}) and cancel it
 * ({@link #cancel()}, {@code aio_cancel}). Allocate one per outstanding operation and reuse it: submitting
 * allocates nothing.
 *
 * <p>Threading: describe and submit from one thread at a time; status, await and cancel from any thread.
 */
public final class IoRequest
{
    private static final VarHandle STATUS;
    private static final VarHandle WAITER;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATUS = lookup.findVarHandle(IoRequest.class, "status", IoStatus.class);
            WAITER = lookup.findVarHandle(IoRequest.class, "waiter", Thread.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final IoHandler<IoRequest> HANDLER = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final IoRequest request, final long token)
        {
            request.result = result;
            request.failure = null;
            request.finish(IoStatus.COMPLETED);
        }

        @Override
        public void failed(final IoFailure failure, final IoRequest request, final long token)
        {
            request.result = -1;
            request.failure = failure;
            request.finish(failure.canceled() ? IoStatus.CANCELED : IoStatus.FAILED);
        }
    };

    IoOp op;
    IoFile file;
    long fileOffset;
    ByteBuffer buffer;
    ByteBuffer[] buffers;

    @SuppressWarnings("unused") // through STATUS
    private volatile IoStatus status = IoStatus.IDLE;
    @SuppressWarnings("unused") // through WAITER
    private volatile Thread waiter;
    private long result;
    private IoFailure failure;
    Slot slot;
    long slotGeneration;
    RequestBatch batch;

    /**
     * Describes a read of {@code buffer.remaining()} bytes at {@code fileOffset}.
     *
     * @param file       the file (on the ring the request is submitted to).
     * @param fileOffset where in the file.
     * @param buffer     the buffer (its remaining bytes).
     * @return this.
     */
    public IoRequest read(final IoFile file, final long fileOffset, final ByteBuffer buffer)
    {
        return describe(IoOp.READ, file, fileOffset, buffer, null);
    }

    /**
     * Describes a write of {@code buffer.remaining()} bytes at {@code fileOffset}.
     *
     * @param file       the file (on the ring the request is submitted to).
     * @param fileOffset where in the file.
     * @param buffer     the buffer (its remaining bytes).
     * @return this.
     */
    public IoRequest write(final IoFile file, final long fileOffset, final ByteBuffer buffer)
    {
        return describe(IoOp.WRITE, file, fileOffset, buffer, null);
    }

    /**
     * Describes a scattered read into the buffers' remaining bytes.
     *
     * @param file       the file (on the ring the request is submitted to).
     * @param fileOffset where in the file.
     * @param buffers    the buffers (their remaining bytes).
     * @return this.
     */
    public IoRequest readv(final IoFile file, final long fileOffset, final ByteBuffer[] buffers)
    {
        return describe(IoOp.READV, file, fileOffset, null, buffers);
    }

    /**
     * Describes a gathered write of the buffers' remaining bytes.
     *
     * @param file       the file (on the ring the request is submitted to).
     * @param fileOffset where in the file.
     * @param buffers    the buffers (their remaining bytes).
     * @return this.
     */
    public IoRequest writev(final IoFile file, final long fileOffset, final ByteBuffer[] buffers)
    {
        return describe(IoOp.WRITEV, file, fileOffset, null, buffers);
    }

    /**
     * Describes an fsync ({@code aio_fsync(O_SYNC)}): it completes with 0 only once every write on the file accepted
     * before its submission has completed and an fsync issued after that returned 0 (docs/DURABILITY.md rules
     * 1, 2, 11); it fails, for good, once a covered write or a sync on the file failed. It always issues a sync of
     * its own (sharing it with concurrent barriers), so it also covers what the ring cannot see.
     *
     * @param file the file (on the ring the request is submitted to).
     * @return this.
     */
    public IoRequest fsync(final IoFile file)
    {
        return describe(IoOp.FSYNC, file, 0, null, null);
    }

    /**
     * Describes an fdatasync ({@code aio_fsync(O_DSYNC)}); see {@link #fsync}.
     *
     * @param file the file (on the ring the request is submitted to).
     * @return this.
     */
    public IoRequest fdatasync(final IoFile file)
    {
        return describe(IoOp.FDATASYNC, file, 0, null, null);
    }

    private IoRequest describe(
        final IoOp op, final IoFile file, final long fileOffset, final ByteBuffer buffer, final ByteBuffer[] buffers)
    {
        Objects.requireNonNull(file, "file");
        if (status() == IoStatus.IN_PROGRESS)
        {
            throw new IllegalStateException("request in progress: cannot describe a new operation: request=" + this);
        }
        this.op = op;
        this.file = file;
        this.fileOffset = fileOffset;
        this.buffer = buffer;
        this.buffers = buffers;
        return this;
    }

    /**
     * Submits the described operation on its file's ring.
     *
     * @return this.
     * @throws IllegalStateException when nothing is described or it is still in progress; argument errors as
     *                               {@link IoFile} gives them.
     */
    public IoRequest submit()
    {
        if (op == null)
        {
            throw new IllegalStateException("no operation described: call read/write/readv/writev/fsync/fdatasync first");
        }
        file.ring().submit(this);
        return this;
    }

    /** Marks the request in progress before it is queued (ring use). */
    void begin(final RequestBatch batch)
    {
        final IoStatus s = status();
        if (s == IoStatus.IN_PROGRESS || !STATUS.compareAndSet(this, s, IoStatus.IN_PROGRESS))
        {
            throw new IllegalStateException("request in progress: request=" + this);
        }
        this.batch = batch;
        this.result = 0;
        this.failure = null;
    }

    /** Rolls back {@link #begin} when submission was refused. */
    void abort()
    {
        this.batch = null;
        STATUS.setRelease(this, IoStatus.IDLE);
    }

    /**
     * A batch member that was begun but could not be queued (its file closed, its barrier window stayed full):
     * it fails with {@code errno} and reports it itself, as lio_listio's members do.
     */
    void notAccepted(final int errno, final RuntimeException why)
    {
        this.result = -1;
        this.failure = IoFailure.of(op, String.valueOf(file.path()), file.access().fd(), fileOffset, 0, errno,
            "not accepted: " + why.getMessage(), why);
        finish(IoStatus.FAILED);
    }

    private void finish(final IoStatus outcome)
    {
        final RequestBatch b = batch;
        batch = null;
        // volatile store then volatile load, paired with awaitAny's CAS of WAITER then load of STATUS (Dekker): a
        // waiter either sees the status or is seen here and unparked. Also publishes result and failure.
        STATUS.setVolatile(this, outcome);
        final Thread w = (Thread)WAITER.getVolatile(this);
        if (w != null)
        {
            LockSupport.unpark(w);
        }
        if (b != null)
        {
            b.onDone(this, outcome != IoStatus.COMPLETED);
        }
    }

    /** @return the status ({@code aio_error}). */
    public IoStatus status()
    {
        return (IoStatus)STATUS.getAcquire(this);
    }

    /** @return true once the request has completed, failed or been canceled. */
    public boolean isDone()
    {
        final IoStatus s = status();
        return s != IoStatus.IN_PROGRESS && s != IoStatus.IDLE;
    }

    /**
     * @return the bytes transferred ({@code aio_return}).
     * @throws IllegalStateException when the request has not completed successfully.
     */
    public long result()
    {
        final IoStatus s = status();
        if (s != IoStatus.COMPLETED)
        {
            throw new IllegalStateException("no result: status=" + s + (failure != null ? " failure=" + failure.getMessage() : ""));
        }
        return result;
    }

    /** @return the failure of a FAILED or CANCELED request, else null. */
    public IoFailure failure()
    {
        final IoStatus s = status();
        return s == IoStatus.FAILED || s == IoStatus.CANCELED ? failure : null;
    }

    /** @return 0 when completed, 115 (EINPROGRESS) in progress, else the failure's errno: as aio_error returns. */
    public int errno()
    {
        // Comparisons, not a switch on the enum: no synthetic switch-map class to load on a virtual thread (a class
        // load under contention pins its carrier).
        final IoStatus s = status();
        if (s == IoStatus.IN_PROGRESS)
        {
            return Errno.EINPROGRESS;
        }
        return s == IoStatus.FAILED || s == IoStatus.CANCELED ? failure.errno() : 0;
    }

    /**
     * Waits for this request.
     *
     * @param timeout the longest wait.
     * @param unit    its unit.
     * @return true when done, false when the timeout passed.
     * @throws InterruptedException when the thread is interrupted before or while it waits (the request goes on).
     */
    public boolean await(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        return awaitAny(unit.toNanos(timeout), this) == 0;
    }

    /**
     * Waits until at least one of the requests is done ({@code aio_suspend}). Requests that were never submitted
     * are ignored, as null entries are. The thread parks while it waits: a completion unparks it (on a
     * {@link RingConfig.ThreadMode#CALLER} ring it drives the ring meanwhile, and where another thread waits for
     * the same request it parks in bounded steps of at most {@link Backoff#MAX_PARK_NS}).
     *
     * @param timeoutNs the longest wait; 0 only looks.
     * @param requests  the requests.
     * @return the index of a done request, or -1 when the timeout passed first.
     * @throws InterruptedException when the thread is interrupted before or while it waits (aio_suspend's EINTR);
     *                              the requests go on.
     * @throws AgentWaitException at once, when it would wait on the agent thread of a request's own ring (in a
     *                            completion handler): that wait could never end.
     */
    public static int awaitAny(final long timeoutNs, final IoRequest... requests) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutNs;
        final Thread me = Thread.currentThread();
        int attempt = 0;
        try
        {
            while (true)
            {
                if (Thread.interrupted())
                {
                    throw new InterruptedException("interrupted while waiting for requests: requests=" + requests.length);
                }
                boolean allMine = true;
                for (int i = 0; i < requests.length; i++)
                {
                    final IoRequest r = requests[i];
                    if (r != null)
                    {
                        // Register first, then look (Dekker with finish()): a completion after the look unparks us.
                        if (WAITER.getVolatile(r) != me && !WAITER.compareAndSet(r, null, me))
                        {
                            allMine = false;
                        }
                        if (r.isDone())
                        {
                            return i;
                        }
                    }
                }
                final long leftNs = deadline - System.nanoTime();
                if (leftNs <= 0)
                {
                    return -1;
                }
                if (attempt == 0)
                {
                    refuseOnAgentThread(requests);
                }
                final Progress progress = progressOf(requests);
                if (allMine && !progress.drivenByCaller())
                {
                    // Every completion will unpark us: park until then, the deadline or an interrupt.
                    attempt++;
                    LockSupport.parkNanos(leftNs);
                }
                else
                {
                    // Another waiter holds a request's waiter slot (its unpark goes there), or a CALLER ring
                    // needs driving: help it and park in bounded steps.
                    Backoff.idle(progress, attempt++, deadline);
                }
            }
        }
        finally
        {
            for (final IoRequest r : requests)
            {
                if (r != null)
                {
                    WAITER.compareAndSet(r, me, null);
                }
            }
        }
    }

    /**
     * Waits until every request is done.
     *
     * @param timeoutNs the longest wait.
     * @param requests  the requests.
     * @return true when all are done.
     * @throws InterruptedException when the thread is interrupted before or while it waits; the requests go on.
     */
    public static boolean awaitAll(final long timeoutNs, final IoRequest... requests) throws InterruptedException
    {
        final long deadline = System.nanoTime() + timeoutNs;
        if (Thread.interrupted())
        {
            throw new InterruptedException("interrupted while waiting for requests: requests=" + requests.length);
        }
        for (final IoRequest r : requests)
        {
            if (r != null && r.status() == IoStatus.IN_PROGRESS)
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0 || awaitAny(left, r) != 0)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /** A handler waiting for a request of its own ring would wait for itself (issue 11 item 10). */
    private static void refuseOnAgentThread(final IoRequest[] requests)
    {
        for (final IoRequest r : requests)
        {
            if (r != null && r.file != null && r.status() == IoStatus.IN_PROGRESS && r.file.ring().progress().onAgentThread())
            {
                throw new AgentWaitException("cannot wait on the ring's own agent thread (a handler would wait for " +
                    "itself): awaitAny/awaitAll of a request of the same ring: request=" + r);
            }
        }
    }

    /** @return the driver of the ring of a request still in progress (to help along while waiting). */
    private static Progress progressOf(final IoRequest[] requests)
    {
        for (final IoRequest r : requests)
        {
            if (r != null && r.file != null && r.status() == IoStatus.IN_PROGRESS)
            {
                return r.file.ring().progress();
            }
        }
        return Backoff.NO_HELP;
    }

    /**
     * Cancels the request ({@code aio_cancel}). The answer: CANCELED (it completes with ECANCELED),
     * NOT_CANCELED (it is in progress in the kernel or a worker and will complete normally), or ALREADY_DONE. The
     * future completes on the ring's agent (in {@link RingConfig.ThreadMode#CALLER} mode, during a poll), after
     * the request's own completion where that is the answer.
     *
     * @return the outcome.
     * @throws IllegalStateException when the request was never submitted (status IDLE: there is nothing to cancel,
     *                               and "already done" would be a lie), naming its state.
     */
    public CompletableFuture<CancelOutcome> cancel()
    {
        final IoStatus s = status();
        if (s == IoStatus.IDLE)
        {
            throw new IllegalStateException("request never submitted: nothing to cancel: status=" + s + " request=" + this);
        }
        if (file == null || isDone())
        {
            return CompletableFuture.completedFuture(CancelOutcome.ALREADY_DONE);
        }
        return file.ring().cancel(this);
    }

    @Override
    public String toString()
    {
        return "IoRequest{op=" + op + " file=" + (file != null ? file.path() : null) + " offset=" + fileOffset +
            " status=" + status() + "}";
    }
}
