package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.core.IoOp;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.AddressCache;
import dev.pageio.linux.Linux;
import dev.pageio.linux.LocalCompletions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One kernel AIO context ({@code io_setup}) driven by its ring agent: iocbs written in native memory, one
 * {@code io_submit} per batch, completions read from the context's mmap'd {@code aio_ring} in user space.
 *
 * <p><b>Threading.</b> Every method is for the ring agent only, except {@link #wakeup()} (any thread) and the
 * counters (any thread, for monitoring: plain reads, no ordering).
 *
 * <p><b>Native memory.</b> One malloc'd block holds a preallocated iocb per request slot (slot i's iocb is the
 * i-th, and its {@code aio_data} is i), the iocb* array io_submit reads, a per-slot iovec array for
 * PREADV/PWRITEV ({@code maxSegments} entries) and two eventfd words: {@link AioBlockDescriptor} draws it. The
 * iocb of a slot is rewritten only after the slot's completion was reaped. The kernel context (its ring, the
 * io_event stash of io_getevents) is an {@link AioContext}.
 *
 * <p><b>Submission.</b> {@link #prepare} fills the slot's iocb and appends its address to the pending part of
 * the iocb* array; {@link #submit()} makes one io_submit for all pending iocbs. When the kernel accepts only the
 * first k, the rest stay pending for the next {@link #submit()}; EAGAIN (no room in the context) is back-pressure
 * and is retried the same way, never reported to the caller; any other error refuses the first pending iocb,
 * whose request completes with that -errno.
 *
 * <p><b>Reaping.</b> {@link AioContext#reap}: from the aio_ring in user space, as {@link AioRingDescriptor}
 * describes, or with io_getevents when the ring's header is not as expected ({@link #ringFallbackCause()} says why).
 *
 * <p><b>Waiting.</b> {@link #await} blocks in io_getevents(min_nr 1). To make {@link #wakeup()} end it, an
 * internal IOCB_CMD_POLL on an eventfd (Linux 4.18+) is kept in the context: wakeup writes the eventfd, the poll
 * completes, io_getevents returns. Internal iocbs carry {@code aio_data} with bit 63 set, so they are never
 * mistaken for a request slot. Without kernel POLL support the wait is cut into 1 ms slices.
 *
 * <p><b>Sync.</b> FSYNC and FDATASYNC are IOCB_CMD_FSYNC/FDSYNC iocbs where the kernel accepts them (Linux
 * 4.18+, probed once by {@link AioEngine}); elsewhere a dedicated syncer thread calls fsync/fdatasync (never the
 * ring agent) and posts the result back, delivered by the next {@link #reap}.
 *
 * <p><b>Cancel.</b> A request still pending in this backend (prepared, not yet accepted by the kernel) is
 * canceled here (answer 0, completion -ECANCELED); one waiting for the syncer likewise. One in the kernel gets
 * io_cancel, which regular files refuse (answer -EALREADY, "not canceled"; it completes normally). A request
 * whose completion was already reaped is answered -ENOENT. Requests still in the core's own submission queue
 * never reach the backend: the core cancels those itself.
 *
 * <p><b>Files.</b> Kernel AIO is asynchronous only for O_DIRECT files: on a buffered file io_submit does the
 * I/O synchronously and would block the ring. {@link AioEngine} refuses such files
 * ({@link AioEngine#requireDirect}); as a last guard, a request on a file that is not O_DIRECT completes here with
 * -EINVAL instead of reaching the kernel.
 *
 * <p><b>Notification.</b> Every request's iocb carries IOCB_FLAG_RESFD with {@link #completionEventFd()}: the
 * kernel adds 1 to that eventfd per completion, so an event loop can poll it.
 */
public final class AioBackend implements RingBackend
{
    /** aio_data bit marking the backend's internal iocbs (the wakeup POLL). */
    static final long INTERNAL_TAG = 1L << 63;
    private static final long WAKE_POLL_DATA = INTERNAL_TAG | 1;
    private static final int EINPROGRESS = 115;
    private static final long NO_POLL_SLICE_NS = 1_000_000L;

    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte KERNEL = 2;
    private static final byte SYNCER = 3;
    private static final byte LOCAL = 4;

    private final int queueDepth;
    private final AddressCache addressCache;
    private final int maxSegments;
    private final boolean kernelSync;
    private final boolean kernelPoll;
    private final AioContext context;
    private final AioContext.EventHandler onEvent = this::deliver;

    private final long memory;
    private final ByteBuffer mem;
    private final AioBlockDescriptor block;
    private final long iocbs;
    private final long ptrs;
    private final long wakePtr;
    private final long wakeRead;
    private final long one;
    private final long iovecs;

    private final int wakeFd;
    private final int completionFd;

    private final Request[] slots;
    private final byte[] slotState;
    private int inFlight;
    private int kernelInFlight;
    private int pendingStart;
    private int pendingEnd;
    private boolean pollArmed;
    private boolean pollBroken;
    private CompletionSink reapSink;

    private final LocalCompletions local;
    private final LocalCompletions.Release releaseLocal = this::release;

    private final AioSyncer syncer;

    private volatile boolean closed;
    private final AtomicInteger wakers = new AtomicInteger();

    private long partialSubmits;
    private long submitBackPressure;
    private long strayEvents;

    /**
     * @param config     the ring's configuration (queueDepth, maxSegments, name).
     * @param kernelSync true when the kernel runs IOCB_CMD_FSYNC/FDSYNC (probed by {@link AioEngine}).
     * @param kernelPoll true when the kernel runs IOCB_CMD_POLL (probed by {@link AioEngine}).
     * @param context    the kernel context, with room for queueDepth requests and the wakeup POLL; the backend
     *                   owns it from now on, and closes it when this constructor fails.
     * @throws IOException when malloc or eventfd fails, with the reason.
     */
    AioBackend(final RingConfig config, final boolean kernelSync, final boolean kernelPoll, final AioContext context)
        throws IOException
    {
        this.queueDepth = config.queueDepth();
        this.addressCache = new AddressCache(queueDepth);
        this.maxSegments = config.maxSegments();
        this.kernelSync = kernelSync;
        this.kernelPoll = kernelPoll;
        this.context = context;

        long address = 0;
        int wake = -1;
        int completion = -1;
        try
        {
            this.block = new AioBlockDescriptor(queueDepth, maxSegments);
            address = Linux.malloc(block.size);
            if (address == 0)
            {
                throw new IOException("malloc failed: bytes=" + block.size);
            }
            Linux.memset(address, 0, block.size);
            wake = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
            if (wake < 0)
            {
                throw new IOException("eventfd failed: " + Errno.name(-wake));
            }
            completion = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
            if (completion < 0)
            {
                throw new IOException("eventfd failed: " + Errno.name(-completion));
            }
        }
        catch (final IOException | RuntimeException e)
        {
            if (wake >= 0)
            {
                Linux.close(wake);
            }
            if (address != 0)
            {
                Linux.free(address);
            }
            context.close(false);
            throw e;
        }

        this.memory = address;
        this.mem = Linux.wrap(address, block.size);
        this.wakeFd = wake;
        this.completionFd = completion;
        this.iocbs = address + block.iocbs;
        this.ptrs = address + block.ptrs;
        this.wakePtr = address + block.wakePtr;
        this.wakeRead = address + block.wakeRead;
        this.one = address + block.one;
        this.iovecs = address + block.iovecs;

        mem.putLong(block.one, 1L);
        mem.putLong(block.wakePtr, address + block.wakeIocb);
        mem.putLong(block.wakeIocb + IocbDescriptor.DATA, WAKE_POLL_DATA);
        mem.putShort(block.wakeIocb + IocbDescriptor.LIO_OPCODE, IocbDescriptor.CMD_POLL);
        mem.putInt(block.wakeIocb + IocbDescriptor.FILDES, wakeFd);
        mem.putLong(block.wakeIocb + IocbDescriptor.BUF, IocbDescriptor.POLLIN);

        this.slots = new Request[queueDepth];
        this.slotState = new byte[queueDepth];
        this.local = new LocalCompletions(queueDepth);
        this.syncer = kernelSync ? null : new AioSyncer(config.name() + "-aio-syncer", queueDepth, this::wakeup);
    }

    /** @return the kernel context (package-private: tests reach the io_getevents fallback through it). */
    AioContext context()
    {
        return context;
    }

    @Override
    public String name()
    {
        return "aio";
    }

    @Override
    public boolean requiresDirectBuffers()
    {
        return true;
    }

    @Override
    public boolean requiresDescriptor()
    {
        return true;
    }

    /** @return true: kernel AIO is asynchronous only on O_DIRECT files (see {@link AioEngine#requireDirect}). */
    public boolean requiresDirectFiles()
    {
        return true;
    }

    /**
     * @return the eventfd the kernel signals once per completed request (IOCB_FLAG_RESFD), non-blocking; reading
     * it returns the number of completions since the last read. Owned by the backend: closed by {@link #close()}.
     */
    public int completionEventFd()
    {
        return completionFd;
    }

    /** @return true while completions are read from the mmap'd aio_ring; false when io_getevents is used. */
    public boolean ringReaping()
    {
        return context.ringReaping();
    }

    /** @return why completions are reaped with io_getevents instead of from the ring, or null. */
    public String ringFallbackCause()
    {
        return context.ringFallbackCause();
    }

    /** @return the number of io_events of the kernel's ring (0 when not reaping from it). */
    public int ringEntries()
    {
        return context.ringEntries();
    }

    /** @return true when syncs go to the kernel as iocbs, false when the syncer thread runs them. */
    public boolean kernelSync()
    {
        return kernelSync;
    }

    /** @return io_submit calls made (including the wakeup POLL's). */
    public long ioSubmitCalls()
    {
        return context.ioSubmitCalls();
    }

    /** @return io_getevents calls made (await, and reaping in fallback mode). */
    public long ioGeteventsCalls()
    {
        return context.ioGeteventsCalls();
    }

    /** @return io_submit calls that accepted fewer iocbs than offered. */
    public long partialSubmits()
    {
        return partialSubmits;
    }

    /** @return io_submit calls refused with EAGAIN (retried later). */
    public long submitBackPressure()
    {
        return submitBackPressure;
    }

    /** @return io_events read from the ring in user space. */
    public long ringReaped()
    {
        return context.ringReaped();
    }

    /** @return syncs run by the syncer thread. */
    public long syncerSyncs()
    {
        return syncer == null ? 0 : syncer.syncs.get();
    }

    /** @return the request's slot index, after checking the backend is open and the index in range. */
    private int checkedIndex(final Request request)
    {
        if (closed)
        {
            throw new IllegalStateException("backend closed: engine=aio");
        }
        final int index = request.index;
        if (index < 0 || index >= queueDepth)
        {
            throw new IllegalArgumentException("request index out of range: index=" + index + " queueDepth=" +
                queueDepth);
        }
        return index;
    }

    @Override
    public boolean prepare(final Request request)
    {
        final int index = checkedIndex(request);
        if (slotState[index] != FREE)
        {
            throw new IllegalStateException("request slot already in the backend: index=" + index + " state=" +
                slotState[index]);
        }
        if (pendingEnd == queueDepth)
        {
            if (pendingStart == 0)
            {
                return false;
            }
            compactPending();
        }

        slots[index] = request;
        inFlight++;
        final FileAccess file = request.file;
        if (file != null && !file.direct())
        {
            // io_submit would run a buffered file's I/O synchronously and block the ring: never let it through
            completeLocally(index, -Errno.EINVAL);
            return true;
        }
        final IoOp op = request.op;
        final int iocb = block.iocbs + index * IocbDescriptor.SIZE;
        final short opcode;
        final long buf;
        final long nbytes;
        switch (op)
        {
            case READ:
            case WRITE:
            {
                final ByteBuffer buffer = request.buffer;
                final int position = request.bufferPosition;
                final long length = request.length;
                if (buffer == null || !buffer.isDirect() || position < 0 || length <= 0 ||
                    length > buffer.capacity() - position)
                {
                    completeLocally(index, -Errno.EINVAL);
                    return true;
                }
                opcode = op == IoOp.READ ? IocbDescriptor.CMD_PREAD : IocbDescriptor.CMD_PWRITE;
                buf = addressCache.address(index, buffer) + position;
                nbytes = length;
                break;
            }
            case READV:
            case WRITEV:
            {
                final int count = request.segmentCount;
                if (count < 1 || count > maxSegments || request.buffers == null)
                {
                    completeLocally(index, -Errno.EINVAL);
                    return true;
                }
                final int iov = block.iovecs + index * maxSegments * IocbDescriptor.IOVEC_SIZE;
                for (int i = 0; i < count; i++)
                {
                    final int b = request.segmentBuffers[i];
                    final ByteBuffer buffer = b >= 0 && b < request.buffers.length ? request.buffers[b] : null;
                    final int position = request.segmentPositions[i];
                    final int length = request.segmentLengths[i];
                    if (buffer == null || !buffer.isDirect() || position < 0 || length < 0 ||
                        length > buffer.capacity() - position)
                    {
                        completeLocally(index, -Errno.EINVAL);
                        return true;
                    }
                    final int entry = iov + i * IocbDescriptor.IOVEC_SIZE;
                    mem.putLong(entry + IocbDescriptor.IOVEC_BASE, Linux.address(buffer) + position);
                    mem.putLong(entry + IocbDescriptor.IOVEC_LEN, length);
                }
                opcode = op == IoOp.READV ? IocbDescriptor.CMD_PREADV : IocbDescriptor.CMD_PWRITEV;
                buf = iovecs + (long)index * maxSegments * IocbDescriptor.IOVEC_SIZE;
                nbytes = count;
                break;
            }
            case FSYNC:
            case FDATASYNC:
                if (!kernelSync)
                {
                    slotState[index] = SYNCER;
                    syncer.todo.add(request);
                    return true;
                }
                opcode = op == IoOp.FSYNC ? IocbDescriptor.CMD_FSYNC : IocbDescriptor.CMD_FDSYNC;
                buf = 0;
                nbytes = 0;
                break;
            case NOP:
                // kernel AIO has no no-op command (IOCB_CMD_NOOP is refused): complete it here
                completeLocally(index, 0);
                return true;
            default:
                completeLocally(index, -Errno.EINVAL);
                return true;
        }

        mem.putLong(iocb + IocbDescriptor.DATA, index);
        mem.putInt(iocb + IocbDescriptor.KEY, 0);
        mem.putInt(iocb + IocbDescriptor.RW_FLAGS, op.syncs() ? 0 : request.rwFlags);
        mem.putShort(iocb + IocbDescriptor.LIO_OPCODE, opcode);
        mem.putShort(iocb + IocbDescriptor.REQPRIO, (short)0);
        mem.putInt(iocb + IocbDescriptor.FILDES, request.fd);
        mem.putLong(iocb + IocbDescriptor.BUF, buf);
        mem.putLong(iocb + IocbDescriptor.NBYTES, nbytes);
        mem.putLong(iocb + IocbDescriptor.OFFSET, op.syncs() ? 0 : request.fileOffset);
        mem.putLong(iocb + IocbDescriptor.RESERVED2, 0);
        mem.putInt(iocb + IocbDescriptor.FLAGS, IocbDescriptor.FLAG_RESFD);
        mem.putInt(iocb + IocbDescriptor.RESFD, completionFd);

        mem.putLong(block.ptrs + pendingEnd * 8, iocbs + (long)index * IocbDescriptor.SIZE);
        pendingEnd++;
        slotState[index] = PENDING;
        return true;
    }

    private void compactPending()
    {
        final int n = pendingEnd - pendingStart;
        for (int i = 0; i < n; i++)
        {
            mem.putLong(block.ptrs + i * 8, mem.getLong(block.ptrs + (pendingStart + i) * 8));
        }
        pendingStart = 0;
        pendingEnd = n;
    }

    private int pendingSlot(final int position)
    {
        return (int)((mem.getLong(block.ptrs + position * 8) - iocbs) / IocbDescriptor.SIZE);
    }

    @Override
    public int submit()
    {
        final int n = pendingEnd - pendingStart;
        if (n == 0 || closed)
        {
            return 0;
        }
        final long accepted = context.submit(n, ptrs + (long)pendingStart * 8);
        if (accepted > 0)
        {
            for (int i = 0; i < accepted; i++)
            {
                slotState[pendingSlot(pendingStart + i)] = KERNEL;
            }
            pendingStart += (int)accepted;
            kernelInFlight += (int)accepted;
            if (accepted < n)
            {
                // the rest is resubmitted by the next submit(): the kernel had no room, or refused iocb k
                partialSubmits++;
            }
        }
        else if (accepted == -Errno.EAGAIN || accepted == -Errno.EINTR || accepted == 0)
        {
            submitBackPressure++;
        }
        else
        {
            final int index = pendingSlot(pendingStart);
            pendingStart++;
            completeLocally(index, accepted);
        }
        if (pendingStart == pendingEnd)
        {
            pendingStart = 0;
            pendingEnd = 0;
        }
        return accepted > 0 ? (int)accepted : 0;
    }

    private void completeLocally(final int index, final long result)
    {
        slotState[index] = LOCAL;
        local.complete(index, result);
    }

    @Override
    public int reap(final CompletionSink sink)
    {
        if (closed)
        {
            throw new IllegalStateException("backend closed: engine=aio");
        }
        int count = local.deliver(sink, releaseLocal);
        if (syncer != null && syncer.doneCount.get() > 0)
        {
            Request request;
            while ((request = syncer.done.poll()) != null)
            {
                syncer.doneCount.decrementAndGet();
                count++;
                sink.complete(release(request.index), request.result);
            }
        }

        reapSink = sink;
        count += context.reap(onEvent, kernelInFlight > 0 || pollArmed);
        reapSink = null;
        return count;
    }

    private Request release(final int index)
    {
        final Request request = slots[index];
        slots[index] = null;
        slotState[index] = FREE;
        inFlight--;
        return request;
    }

    /** The context's {@link AioContext.EventHandler}: one kernel event, to the sink of the current reap. */
    private int deliver(final long data, final long res)
    {
        if (data < 0)
        {
            if (data == WAKE_POLL_DATA)
            {
                pollArmed = false;
            }
            return 0;
        }
        final int index = (int)data;
        if (data >= queueDepth || slotState[index] != KERNEL)
        {
            strayEvents++;
            return 0;
        }
        kernelInFlight--;
        reapSink.complete(release(index), res);
        return 1;
    }

    @Override
    public int inFlight()
    {
        return inFlight;
    }

    @Override
    public void await(final long timeoutNs)
    {
        if (closed)
        {
            return;
        }
        if (pendingStart < pendingEnd)
        {
            submit();
        }
        if (!local.isEmpty() || (syncer != null && syncer.doneCount.get() > 0) ||
            context.hasEvents())
        {
            return;
        }
        long waitNs = Math.max(0, timeoutNs);
        if (!pollArmed)
        {
            // a wakeup since the poll last completed left the eventfd readable: consume it and return at once
            if (Linux.read(wakeFd, wakeRead, 8) == 8)
            {
                return;
            }
            if (kernelPoll && !pollBroken)
            {
                final long r = context.submit(1, wakePtr);
                if (r == 1)
                {
                    pollArmed = true;
                }
                else if (r != -Errno.EAGAIN)
                {
                    pollBroken = true;
                }
            }
            if (!pollArmed)
            {
                waitNs = Math.min(waitNs, NO_POLL_SLICE_NS);
            }
        }
        context.await(waitNs);
    }

    @Override
    public void wakeup()
    {
        wakers.incrementAndGet();
        try
        {
            // closed is read after the increment: close() sets closed, then waits for wakers == 0 before it
            // closes the eventfd, so a write never reaches a closed (or reused) descriptor
            if (!closed)
            {
                Linux.write(wakeFd, one, 8);
            }
        }
        finally
        {
            wakers.decrementAndGet();
        }
    }

    @Override
    public void cancel(final Request request)
    {
        final int index = checkedIndex(request);
        if (slots[index] != request)
        {
            // already reaped (or never here): nothing to cancel
            postCancel(request, -Errno.ENOENT);
            return;
        }
        switch (slotState[index])
        {
            case PENDING:
                for (int i = pendingStart; i < pendingEnd; i++)
                {
                    if (pendingSlot(i) == index)
                    {
                        for (int j = i + 1; j < pendingEnd; j++)
                        {
                            mem.putLong(block.ptrs + (j - 1) * 8, mem.getLong(block.ptrs + j * 8));
                        }
                        pendingEnd--;
                        break;
                    }
                }
                if (pendingStart == pendingEnd)
                {
                    pendingStart = 0;
                    pendingEnd = 0;
                }
                postCancel(request, 0);
                completeLocally(index, -Errno.ECANCELED);
                break;
            case SYNCER:
                if (syncer.todo.remove(request))
                {
                    postCancel(request, 0);
                    completeLocally(index, -Errno.ECANCELED);
                }
                else
                {
                    postCancel(request, -Errno.EALREADY);
                }
                break;
            case KERNEL:
            {
                final int r = context.cancel(iocbs + (long)index * IocbDescriptor.SIZE);
                // canceled: the kernel delivers its completion through the ring; refused (EINVAL for regular
                // files, or already completing): not canceled, it completes normally
                postCancel(request, r == 0 || r == -EINPROGRESS ? 0 : -Errno.EALREADY);
                break;
            }
            default:
                // LOCAL: its completion is waiting for the next reap
                postCancel(request, -Errno.ENOENT);
                break;
        }
    }

    private void postCancel(final Request request, final int answer)
    {
        local.cancelAnswer(request, answer);
    }

    /**
     * Frees every native resource: stops the syncer, closes both eventfds, frees the native tables, and ends the
     * context. A context with requests still in the kernel is destroyed at once: io_destroy waits until they have
     * completed, so the kernel no longer writes into the caller's buffers when close returns. An idle context
     * (its wakeup POLL canceled and reaped, its ring empty) goes to {@link AioContextPool} for the next backend
     * instead, because io_destroy costs two RCU grace periods. Idempotent. Completions not reaped before are
     * dropped.
     */
    @Override
    public void close()
    {
        addressCache.clear();
        if (closed)
        {
            return;
        }
        closed = true;
        if (syncer != null)
        {
            syncer.stop();
        }
        while (wakers.get() != 0)
        {
            Thread.onSpinWait();
        }
        final boolean idle = kernelInFlight == 0 &&
            context.quiesce(WAKE_POLL_DATA, memory + block.wakeIocb, pollArmed);
        pollArmed = false;
        context.close(idle);
        Linux.close(wakeFd);
        Linux.close(completionFd);
        Linux.free(memory);
    }

    @Override
    public String toString()
    {
        return "AioBackend{context=" + context + " queueDepth=" + queueDepth + " kernelSync=" + kernelSync + " kernelPoll=" + kernelPoll +
            " inFlight=" + inFlight + "}";
    }
}
