package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.core.threads.ThreadEngine;
import dev.pageio.linux.AddressCache;
import dev.pageio.linux.Linux;
import dev.pageio.linux.LocalCompletions;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One kernel AIO context ({@code io_setup}) driven by its ring agent: iocbs written in native memory, one
 * {@code io_submit} per batch, completions read from the context's mmap'd {@code aio_ring} in user space.
 *
 * <p><b>Threading.</b> Every method is for the ring agent only, except {@link #wakeup()} (any thread) and the
 * counters (any thread, for monitoring: plain reads, no ordering).
 *
 * <p><b>Native memory.</b> {@link AioBlockDescriptor} draws the one malloc'd block: an iocb per slot (aio_data i),
 * the iocb* array, per-slot iovecs, eventfd words. The kernel context is an {@link AioContext}.
 *
 * <p><b>Submission.</b> {@link #prepare} fills the slot's iocb ({@link AioIocbWriter}) and appends it to the
 * {@link AioPendingIocbs}; {@link #submit()} makes one io_submit for them all. What the kernel does not accept
 * stays pending for the next submit (EAGAIN is back-pressure, never reported); any other error refuses the first
 * pending iocb, whose request completes with that -errno.
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
 * <p><b>Cancel.</b> A request pending here or waiting for the syncer is canceled here (answer 0, completion
 * -ECANCELED); one in the kernel gets io_cancel, which regular files refuse (answer -EALREADY: it completes
 * normally); one already reaped is answered -ENOENT. The core cancels what is still in its own queue.
 *
 * <p><b>Files.</b> Kernel AIO is asynchronous only for O_DIRECT files (on a buffered file io_submit does the I/O
 * synchronously and would block the ring). A request on a file that is not O_DIRECT therefore never reaches
 * io_submit: it goes to the thread engine's path, a thread backend nested here ({@link ThreadEngine#openNested},
 * created at the first such request; its workers wake this backend's wait). The same agent reaps both, so the
 * file keeps the ring's handlers, barriers and close; {@link #bufferedRequests()} counts them. This is how
 * {@code engine("auto")} falling back to aio keeps a buffered {@code ring.open(path, READ, WRITE, CREATE)}
 * working (issue 11 item 16); {@link AioEngine} logs it once.
 *
 * <p><b>Notification.</b> Once {@link #completionEventFd()} was called, every request submitted after it carries
 * IOCB_FLAG_RESFD with that eventfd: the kernel adds 1 to it per completion, so an event loop can poll it. Before
 * that call no iocb carries the flag (the kernel would take an eventfd reference per submit and signal it in the
 * completion path for nobody), as the io_uring backend registers its eventfd only when asked.
 */
public final class AioBackend implements RingBackend
{
    /** aio_data bit marking the backend's internal iocbs (the wakeup POLL). */
    static final long INTERNAL_TAG = 1L << 63;

    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte KERNEL = 2;
    private static final byte SYNCER = 3;
    private static final byte LOCAL = 4;
    private static final byte BUFFERED = 5;

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
    private final AioPendingIocbs pending;

    private final int completionFd;
    /** The wakeup of the wait: an eventfd and the internal POLL on it. */
    private final AioWakeup wake;

    private final Request[] slots;
    private final byte[] slotState;
    private int inFlight;
    private int kernelInFlight;
    private CompletionSink reapSink;
    /** The thread engine's path for files not opened O_DIRECT. */
    private final AioBufferedPath buffered;

    private final LocalCompletions local;
    private final LocalCompletions.Release releaseLocal = this::release;

    private final AioSyncer syncer;
    private final AioIocbWriter iocbWriter;

    private volatile boolean closed;

    private long partialSubmits;
    private long requestsSubmitted;
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
    AioBackend(final BackendConfig config, final boolean kernelSync, final boolean kernelPoll, final AioContext context)
        throws IOException
    {
        this.queueDepth = config.queueDepth();
        this.addressCache = new AddressCache(queueDepth);
        this.maxSegments = config.maxSegments();
        this.kernelSync = kernelSync;
        this.kernelPoll = kernelPoll;
        this.context = context;

        long address = 0;
        int wakeFd = -1;
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
            wakeFd = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
            if (wakeFd < 0)
            {
                throw new IOException("eventfd failed: " + Errno.name(-wakeFd));
            }
            completion = Linux.eventfd(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC);
            if (completion < 0)
            {
                throw new IOException("eventfd failed: " + Errno.name(-completion));
            }
        }
        catch (final IOException | RuntimeException e)
        {
            if (wakeFd >= 0)
            {
                Linux.close(wakeFd);
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
        this.completionFd = completion;
        this.iocbs = address + block.iocbs;
        this.pending = new AioPendingIocbs(mem, address, block, queueDepth);
        this.wake = new AioWakeup(mem, address, block, wakeFd, kernelPoll);

        this.slots = new Request[queueDepth];
        this.slotState = new byte[queueDepth];
        this.local = new LocalCompletions(queueDepth);
        this.iocbWriter = new AioIocbWriter(mem, memory, block, maxSegments, addressCache, completionFd);
        this.syncer = kernelSync ? null : new AioSyncer(config.name() + "-aio-syncer", queueDepth, this::wakeup);
        this.buffered = new AioBufferedPath(config, this::wakeup, this::release);
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
     * @return the eventfd the kernel signals once per completed request submitted after the first call of this
     * method (IOCB_FLAG_RESFD), non-blocking; reading it returns the number of completions since the last read.
     * Owned by the backend: closed by {@link #close()}.
     */
    public int completionEventFd()
    {
        iocbWriter.signalCompletions();
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

    /** @return io_submit, io_getevents and the wake eventfd's reads made on the agent so far. */
    @Override
    public long systemCalls()
    {
        return context.ioSubmitCalls() + context.ioGeteventsCalls() + wake.reads();
    }

    /** @return io_submit calls (requests, and the internal IOCB_CMD_POLL when it is re-armed). */
    @Override
    public long submitCalls()
    {
        return context.ioSubmitCalls();
    }

    @Override
    public long requestsSubmitted()
    {
        return requestsSubmitted + wake.pollSubmits();
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
        if (!pending.makeRoom())
        {
            return false;
        }

        final FileAccess file = request.file;
        if (file != null && !file.direct())
        {
            // io_submit would run a buffered file's I/O synchronously and block the ring: the thread path does it
            if (!buffered.prepare(request))
            {
                return false;
            }
            slots[index] = request;
            slotState[index] = BUFFERED;
            inFlight++;
            return true;
        }
        slots[index] = request;
        inFlight++;
        final RequestOp op = request.op;
        if (op == RequestOp.NOP)
        {
            // kernel AIO has no no-op command (IOCB_CMD_NOOP is refused): complete it here
            completeLocally(index, 0);
            return true;
        }
        if (op != null && op.syncs() && !kernelSync)
        {
            slotState[index] = SYNCER;
            syncer.todo.add(request);
            return true;
        }
        if (!iocbWriter.write(request, index))
        {
            completeLocally(index, -Errno.EINVAL);
            return true;
        }
        pending.add(index);
        slotState[index] = PENDING;
        return true;
    }

    @Override
    public int submit()
    {
        if (!closed)
        {
            buffered.submit();
        }
        final int n = pending.size();
        if (n == 0 || closed)
        {
            return 0;
        }
        final long accepted = context.submit(n, pending.address());
        if (accepted > 0)
        {
            for (int i = 0; i < accepted; i++)
            {
                slotState[pending.slot(i)] = KERNEL;
            }
            pending.consume((int)accepted);
            kernelInFlight += (int)accepted;
            requestsSubmitted += accepted;
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
            final int index = pending.slot(0);
            pending.consume(1);
            completeLocally(index, accepted);
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
        if (syncer != null)
        {
            count += syncer.deliver(sink, releaseLocal);
        }

        count += buffered.reap(sink);
        reapSink = sink;
        count += context.reap(onEvent, kernelInFlight > 0 || wake.pollArmed());
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
            if (data == AioWakeup.POLL_DATA)
            {
                wake.pollCompleted();
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
        if (pending.size() > 0)
        {
            submit();
        }
        if (!local.isEmpty() || (syncer != null && syncer.doneCount.get() > 0) ||
            context.hasEvents())
        {
            return;
        }
        final long waitNs = wake.beforeWait(context, timeoutNs);
        if (waitNs < 0)
        {
            return;
        }
        context.await(waitNs);
    }

    @Override
    public void wakeup()
    {
        wake.wakeup();
    }

    @Override
    public void cancel(final Request request)
    {
        final int index = checkedIndex(request);
        if (slots[index] != request)
        {
            // already reaped (or never here): nothing to cancel
            local.cancelAnswer(request, -Errno.ENOENT);
            return;
        }
        switch (slotState[index])
        {
            case PENDING:
                pending.remove(index);
                local.cancelAnswer(request, 0);
                completeLocally(index, -Errno.ECANCELED);
                break;
            case SYNCER:
                if (syncer.todo.remove(request))
                {
                    local.cancelAnswer(request, 0);
                    completeLocally(index, -Errno.ECANCELED);
                }
                else
                {
                    local.cancelAnswer(request, -Errno.EALREADY);
                }
                break;
            case BUFFERED:
                // answered (and, when canceled, completed with -ECANCELED) by the nested backend's next reap
                buffered.cancel(request);
                break;
            case KERNEL:
            {
                final int r = context.cancel(iocbs + (long)index * IocbDescriptor.SIZE);
                // canceled: the kernel delivers its completion through the ring; refused (EINVAL for regular
                // files, or already completing): not canceled, it completes normally
                local.cancelAnswer(request, r == 0 || r == -Errno.EINPROGRESS ? 0 : -Errno.EALREADY);
                break;
            }
            default:
                // LOCAL: its completion is waiting for the next reap
                local.cancelAnswer(request, -Errno.ENOENT);
                break;
        }
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
        wake.closing();
        if (syncer != null)
        {
            syncer.stop();
        }
        // a worker still blocked: reported once the native resources are freed
        final RuntimeException bufferedFailure = buffered.close();
        wake.awaitWakers();
        final boolean idle = kernelInFlight == 0 &&
            context.quiesce(AioWakeup.POLL_DATA, memory + block.wakeIocb, wake.pollArmed());
        wake.pollDisarmed();
        context.close(idle);
        wake.close();
        Linux.close(completionFd);
        Linux.free(memory);
        if (bufferedFailure != null)
        {
            throw bufferedFailure;
        }
    }

    /** @return requests served by the thread engine's path because their file is not O_DIRECT (agent's count). */
    public long bufferedRequests()
    {
        return buffered.requests();
    }

    @Override
    public String toString()
    {
        return "AioBackend{context=" + context + " queueDepth=" + queueDepth + " kernelSync=" + kernelSync +
            " kernelPoll=" + kernelPoll + " inFlight=" + inFlight + "}";
    }
}
