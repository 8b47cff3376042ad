package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.core.IoOp;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.Linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * PREADV/PWRITEV ({@code maxSegments} entries), the io_event array of io_getevents, and small scratch words.
 * The iocb of a slot is rewritten only after the slot's completion was reaped.
 *
 * <p><b>Submission.</b> {@link #prepare} fills the slot's iocb and appends its address to the pending part of
 * the iocb* array; {@link #submit()} makes one io_submit for all pending iocbs. When the kernel accepts only the
 * first k, the rest stay pending for the next {@link #submit()}; EAGAIN (no room in the context) is back-pressure
 * and is retried the same way, never reported to the caller; any other error refuses the first pending iocb,
 * whose request completes with that -errno.
 *
 * <p><b>Reaping.</b> From the aio_ring, as {@link AioRingDescriptor} describes; the header is checked once at
 * setup, and when it is not as expected the backend reaps with io_getevents instead and says why in
 * {@link #ringFallbackCause()}.
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

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte KERNEL = 2;
    private static final byte SYNCER = 3;
    private static final byte LOCAL = 4;

    private final int queueDepth;
    private final dev.pageio.linux.AddressCache addressCache;
    private final int maxSegments;
    private final boolean kernelSync;
    private final boolean kernelPoll;
    private final long ctx;
    private final int contextEvents;
    private final String ringFallbackCause;
    private final int ringNr;
    private ByteBuffer ring;

    private final long memory;
    private final ByteBuffer mem;
    private final long iocbs;
    private final int iocbsOffset;
    private final int ptrsOffset;
    private final long ptrs;
    private final long wakePtr;
    private final long scratch;
    private final long one;
    private final int timespecOffset;
    private final long timespec;
    private final long zeroTimespec;
    private final long cancelEvent;
    private final int stashOffset;
    private final long stash;
    private final int stashCapacity;
    private final int iovecsOffset;
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

    private final int[] localIndex;
    private final long[] localResult;
    private int localHead;
    private int localCount;
    private final Request[] cancelRequests;
    private final int[] cancelAnswer;
    private int cancelHead;
    private int cancelCount;
    private int stashHead;
    private int stashCount;

    private final AioSyncer syncer;

    private volatile boolean closed;
    private final AtomicInteger wakers = new AtomicInteger();

    private long ioSubmitCalls;
    private long ioGeteventsCalls;
    private long partialSubmits;
    private long submitBackPressure;
    private long ringReaped;
    private long strayEvents;

    /**
     * @param config        the ring's configuration (queueDepth, maxSegments, name).
     * @param kernelSync    true when the kernel runs IOCB_CMD_FSYNC/FDSYNC (probed by {@link AioEngine}).
     * @param kernelPoll    true when the kernel runs IOCB_CMD_POLL (probed by {@link AioEngine}).
     * @param contextEvents nr_events for io_setup; normally queueDepth + 1 (the wakeup POLL).
     * @param forceGetevents reap with io_getevents even when the ring header is as expected (tests).
     * @throws IOException when io_setup or eventfd fails, with the reason (EAGAIN names fs.aio-max-nr).
     */
    AioBackend(final RingConfig config, final boolean kernelSync, final boolean kernelPoll, final int contextEvents,
        final boolean forceGetevents) throws IOException
    {
        this.queueDepth = config.queueDepth();
        this.addressCache = new dev.pageio.linux.AddressCache(queueDepth);
        this.maxSegments = config.maxSegments();
        this.kernelSync = kernelSync;
        this.kernelPoll = kernelPoll;
        if (contextEvents < 1)
        {
            throw new IllegalArgumentException("contextEvents must be positive: contextEvents=" + contextEvents);
        }

        final long iocbsBytes = (long)(queueDepth + 1) * IocbDescriptor.SIZE;
        final long ptrsBytes = (long)queueDepth * 8 + 8;
        final long scratchBytes = 8 + 8 + 16 + 16 + IoEventDescriptor.SIZE;
        final int stashCap = queueDepth + 1;
        final long stashBytes = (long)stashCap * IoEventDescriptor.SIZE;
        final long iovecBytes = (long)queueDepth * maxSegments * IocbDescriptor.IOVEC_SIZE;
        final long total = iocbsBytes + ptrsBytes + scratchBytes + stashBytes + iovecBytes;
        if (total > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("native tables too large: queueDepth=" + queueDepth +
                " maxSegments=" + maxSegments + " bytes=" + total + " max=" + Integer.MAX_VALUE);
        }

        final long block = Linux.malloc(total);
        if (block == 0)
        {
            throw new IOException("malloc failed: bytes=" + total);
        }
        Linux.memset(block, 0, total);
        int wake = -1;
        int completion = -1;
        long context = 0;
        try
        {
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
            context = AioContextPool.take(contextEvents);
            if (context == 0)
            {
                // the context id is written to the scratch word, which is zero as io_setup requires
                final long ctxp = block + iocbsBytes + ptrsBytes;
                final int r = AioSyscalls.io_setup(contextEvents, ctxp);
                if (r < 0)
                {
                    throw new IOException(setupFailure(-r, contextEvents));
                }
                context = Linux.wrap(ctxp, 8).getLong(0);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            if (wake >= 0)
            {
                Linux.close(wake);
            }
            if (completion >= 0)
            {
                Linux.close(completion);
            }
            Linux.free(block);
            throw e;
        }

        this.memory = block;
        this.mem = Linux.wrap(block, (int)total);
        this.ctx = context;
        this.contextEvents = contextEvents;
        this.wakeFd = wake;
        this.completionFd = completion;

        int offset = 0;
        this.iocbsOffset = offset;
        this.iocbs = block + offset;
        offset += (int)iocbsBytes;
        this.ptrsOffset = offset;
        this.ptrs = block + offset;
        this.wakePtr = block + offset + (long)queueDepth * 8;
        offset += (int)ptrsBytes;
        this.scratch = block + offset;
        this.one = scratch + 8;
        this.timespecOffset = offset + 16;
        this.timespec = block + timespecOffset;
        this.zeroTimespec = timespec + 16;
        this.cancelEvent = zeroTimespec + 16;
        offset += (int)scratchBytes;
        this.stashOffset = offset;
        this.stash = block + offset;
        this.stashCapacity = stashCap;
        offset += (int)stashBytes;
        this.iovecsOffset = offset;
        this.iovecs = block + offset;

        mem.putLong((int)(one - block), 1L);
        mem.putLong((int)(wakePtr - block), iocbs + (long)queueDepth * IocbDescriptor.SIZE);
        final int wakeIocb = iocbsOffset + queueDepth * IocbDescriptor.SIZE;
        mem.putLong(wakeIocb + IocbDescriptor.DATA, WAKE_POLL_DATA);
        mem.putShort(wakeIocb + IocbDescriptor.LIO_OPCODE, IocbDescriptor.CMD_POLL);
        mem.putInt(wakeIocb + IocbDescriptor.FILDES, wakeFd);
        mem.putLong(wakeIocb + IocbDescriptor.BUF, IocbDescriptor.POLLIN);

        String cause = forceGetevents ? "io_getevents forced by configuration" : null;
        int nr = 0;
        ByteBuffer mapped = null;
        if (cause == null)
        {
            final ByteBuffer header = Linux.wrap(ctx, AioRingDescriptor.RING_HEADER_LENGTH);
            final int magic = header.getInt(AioRingDescriptor.MAGIC);
            final int incompat = header.getInt(AioRingDescriptor.INCOMPAT_FEATURES);
            final int headerLength = header.getInt(AioRingDescriptor.HEADER_LENGTH);
            nr = header.getInt(AioRingDescriptor.NR);
            if (magic != AioRingDescriptor.RING_MAGIC || incompat != AioRingDescriptor.RING_INCOMPAT_FEATURES ||
                headerLength != AioRingDescriptor.RING_HEADER_LENGTH || nr < 1 || nr > (1 << 24))
            {
                cause = "aio_ring header not as expected (fs/aio.c): magic=0x" + Integer.toHexString(magic) +
                    " incompat_features=" + incompat + " header_length=" + headerLength + " nr=" + nr +
                    "; reaping with io_getevents";
                nr = 0;
            }
            else
            {
                mapped = Linux.wrap(ctx, AioRingDescriptor.EVENTS + nr * IoEventDescriptor.SIZE);
            }
        }
        this.ring = mapped;
        this.ringNr = nr;
        this.ringFallbackCause = cause;

        this.slots = new Request[queueDepth];
        this.slotState = new byte[queueDepth];
        this.localIndex = new int[queueDepth];
        this.localResult = new long[queueDepth];
        this.cancelRequests = new Request[queueDepth];
        this.cancelAnswer = new int[queueDepth];
        this.syncer = kernelSync ? null : new AioSyncer(config.name() + "-aio-syncer", queueDepth, this::wakeup);
    }

    /**
     * The message of a failed io_setup; EAGAIN names the sysctls and their values.
     *
     * @param errno         the positive errno.
     * @param contextEvents the nr_events asked for.
     * @return the message.
     */
    static String setupFailure(final int errno, final int contextEvents)
    {
        if (errno == Errno.EAGAIN)
        {
            return "io_setup failed: EAGAIN: the system-wide limit of AIO events is exhausted: requested=" +
                contextEvents + " fs.aio-nr=" + sysctl("aio-nr") + " fs.aio-max-nr=" + sysctl("aio-max-nr") +
                "; raise fs.aio-max-nr (sysctl -w fs.aio-max-nr=N), lower queueDepth, or close other contexts";
        }
        return "io_setup failed: " + Errno.name(errno) + " requested=" + contextEvents;
    }

    private static String sysctl(final String name)
    {
        // Files.readString/readAllBytes return only the last byte of these procfs files on this kernel
        // (measured: "6" for 65536); reading line by line returns the whole value
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/fs/" + name), StandardCharsets.US_ASCII))
        {
            final String line = reader.readLine();
            return line == null ? "empty" : line.trim();
        }
        catch (final IOException | RuntimeException e)
        {
            return "unreadable(" + e.getMessage() + ")";
        }
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
        return ring != null;
    }

    /** @return why completions are reaped with io_getevents instead of from the ring, or null. */
    public String ringFallbackCause()
    {
        return ringFallbackCause;
    }

    /** @return the number of io_events of the kernel's ring (0 when not reaping from it). */
    public int ringEntries()
    {
        return ringNr;
    }

    /** @return true when syncs go to the kernel as iocbs, false when the syncer thread runs them. */
    public boolean kernelSync()
    {
        return kernelSync;
    }

    /** @return io_submit calls made (including the wakeup POLL's). */
    public long ioSubmitCalls()
    {
        return ioSubmitCalls;
    }

    /** @return io_getevents calls made (await, and reaping in fallback mode). */
    public long ioGeteventsCalls()
    {
        return ioGeteventsCalls;
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
        return ringReaped;
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
        final int iocb = iocbsOffset + index * IocbDescriptor.SIZE;
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
                    completeLocally(index, -Errno.EFAULT);
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
                final int iov = iovecsOffset + index * maxSegments * IocbDescriptor.IOVEC_SIZE;
                for (int i = 0; i < count; i++)
                {
                    final int b = request.segmentBuffers[i];
                    final ByteBuffer buffer = b >= 0 && b < request.buffers.length ? request.buffers[b] : null;
                    final int position = request.segmentPositions[i];
                    final int length = request.segmentLengths[i];
                    if (buffer == null || !buffer.isDirect() || position < 0 || length < 0 ||
                        length > buffer.capacity() - position)
                    {
                        completeLocally(index, -Errno.EFAULT);
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

        mem.putLong(ptrsOffset + pendingEnd * 8, iocbs + (long)index * IocbDescriptor.SIZE);
        pendingEnd++;
        slotState[index] = PENDING;
        return true;
    }

    private void compactPending()
    {
        final int n = pendingEnd - pendingStart;
        for (int i = 0; i < n; i++)
        {
            mem.putLong(ptrsOffset + i * 8, mem.getLong(ptrsOffset + (pendingStart + i) * 8));
        }
        pendingStart = 0;
        pendingEnd = n;
    }

    private int pendingSlot(final int position)
    {
        return (int)((mem.getLong(ptrsOffset + position * 8) - iocbs) / IocbDescriptor.SIZE);
    }

    @Override
    public int submit()
    {
        final int n = pendingEnd - pendingStart;
        if (n == 0 || closed)
        {
            return 0;
        }
        final long accepted = AioSyscalls.io_submit(ctx, n, ptrs + (long)pendingStart * 8);
        ioSubmitCalls++;
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
        localIndex[localCount] = index;
        localResult[localCount] = result;
        localCount++;
    }

    @Override
    public int reap(final CompletionSink sink)
    {
        if (closed)
        {
            throw new IllegalStateException("backend closed: engine=aio");
        }
        int count = 0;
        // cancel answers first: a completion may free the slot, and the answer must reach it before that
        while (cancelHead < cancelCount)
        {
            final Request request = cancelRequests[cancelHead];
            final int answer = cancelAnswer[cancelHead];
            cancelRequests[cancelHead] = null;
            cancelHead++;
            count++;
            sink.cancelResult(request, answer);
        }
        cancelHead = 0;
        cancelCount = 0;

        while (localHead < localCount)
        {
            final int index = localIndex[localHead];
            final long result = localResult[localHead];
            localHead++;
            count++;
            sink.complete(release(index), result);
        }
        localHead = 0;
        localCount = 0;

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

        while (stashHead < stashCount)
        {
            final int event = stashOffset + stashHead * IoEventDescriptor.SIZE;
            stashHead++;
            count += deliver(mem.getLong(event + IoEventDescriptor.DATA), mem.getLong(event + IoEventDescriptor.RES),
                sink);
        }
        stashHead = 0;
        stashCount = 0;

        final ByteBuffer r = ring;
        if (r != null)
        {
            // acquire: pairs with aio_complete's smp_wmb() + store of tail: the events before tail are visible
            final int tail = (int)INT.getAcquire(r, AioRingDescriptor.TAIL);
            int head = r.getInt(AioRingDescriptor.HEAD);
            while (head != tail)
            {
                final int event = AioRingDescriptor.EVENTS + head * IoEventDescriptor.SIZE;
                final long data = r.getLong(event + IoEventDescriptor.DATA);
                final long res = r.getLong(event + IoEventDescriptor.RES);
                head = head + 1 == ringNr ? 0 : head + 1;
                // release: the reads of this event happen before the kernel may reuse its slot
                INT.setRelease(r, AioRingDescriptor.HEAD, head);
                ringReaped++;
                count += deliver(data, res, sink);
            }
        }
        else if (kernelInFlight > 0 || pollArmed)
        {
            final long n = AioSyscalls.io_getevents(ctx, 0, stashCapacity, stash, zeroTimespec);
            ioGeteventsCalls++;
            for (int i = 0; i < n; i++)
            {
                final int event = stashOffset + i * IoEventDescriptor.SIZE;
                count += deliver(mem.getLong(event + IoEventDescriptor.DATA), mem.getLong(event + IoEventDescriptor.RES),
                    sink);
            }
        }
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

    private int deliver(final long data, final long res, final CompletionSink sink)
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
        sink.complete(release(index), res);
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
        if (localCount > 0 || cancelCount > 0 || stashCount > 0 ||
            (syncer != null && syncer.doneCount.get() > 0) || ringHasEvents())
        {
            return;
        }
        long waitNs = Math.max(0, timeoutNs);
        if (!pollArmed)
        {
            // a wakeup since the poll last completed left the eventfd readable: consume it and return at once
            if (Linux.read(wakeFd, scratch, 8) == 8)
            {
                return;
            }
            if (kernelPoll && !pollBroken)
            {
                final long r = AioSyscalls.io_submit(ctx, 1, wakePtr);
                ioSubmitCalls++;
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
        final int ts = timespecOffset;
        mem.putLong(ts, waitNs / 1_000_000_000L);
        mem.putLong(ts + 8, waitNs % 1_000_000_000L);
        final long n = AioSyscalls.io_getevents(ctx, 1, stashCapacity, stash, timespec);
        ioGeteventsCalls++;
        if (n > 0)
        {
            stashHead = 0;
            stashCount = (int)n;
        }
    }

    private boolean ringHasEvents()
    {
        final ByteBuffer r = ring;
        // acquire: pairs with the kernel's store of tail (see reap)
        return r != null && (int)INT.getAcquire(r, AioRingDescriptor.TAIL) != r.getInt(AioRingDescriptor.HEAD);
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
                            mem.putLong(ptrsOffset + (j - 1) * 8, mem.getLong(ptrsOffset + j * 8));
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
                final int r = AioSyscalls.io_cancel(ctx, iocbs + (long)index * IocbDescriptor.SIZE, cancelEvent);
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
        // at most one answer per slot is pending unless cancel is repeated; the table is sized for one per slot
        if (cancelCount == queueDepth)
        {
            throw new IllegalStateException("too many cancel answers pending: pending=" + cancelCount +
                " request=" + request);
        }
        cancelRequests[cancelCount] = request;
        cancelAnswer[cancelCount] = answer;
        cancelCount++;
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
        final long destroy = kernelInFlight == 0 && ring != null && quiesce() ?
            AioContextPool.give(contextEvents, ctx) : ctx;
        ring = null;
        if (destroy != 0)
        {
            AioSyscalls.io_destroy(destroy);
        }
        Linux.close(wakeFd);
        Linux.close(completionFd);
        Linux.free(memory);
    }

    /**
     * Cancels the wakeup POLL and reaps its event, so that the context holds nothing of this backend.
     *
     * @return true when the context is idle with an empty ring; false when something else turned up.
     */
    private boolean quiesce()
    {
        for (int i = stashHead; i < stashCount; i++)
        {
            if (mem.getLong(stashOffset + i * IoEventDescriptor.SIZE + IoEventDescriptor.DATA) != WAKE_POLL_DATA)
            {
                return false;
            }
            pollArmed = false;
        }
        stashHead = 0;
        stashCount = 0;
        if (pollArmed)
        {
            // -EINPROGRESS: canceled, its event follows; -EINVAL: it completed already, its event is in the ring
            AioSyscalls.io_cancel(ctx, iocbs + (long)queueDepth * IocbDescriptor.SIZE, cancelEvent);
        }
        final long deadline = System.nanoTime() + 1_000_000_000L;
        final ByteBuffer r = ring;
        while (true)
        {
            // acquire: pairs with the kernel's store of tail (see reap)
            final int tail = (int)INT.getAcquire(r, AioRingDescriptor.TAIL);
            int head = r.getInt(AioRingDescriptor.HEAD);
            while (head != tail)
            {
                final long data = r.getLong(AioRingDescriptor.EVENTS + head * IoEventDescriptor.SIZE +
                    IoEventDescriptor.DATA);
                head = head + 1 == ringNr ? 0 : head + 1;
                // release: the event was read before the kernel may reuse its slot
                INT.setRelease(r, AioRingDescriptor.HEAD, head);
                if (data != WAKE_POLL_DATA)
                {
                    return false;
                }
                pollArmed = false;
            }
            if (!pollArmed)
            {
                return true;
            }
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public String toString()
    {
        return "AioBackend{ctx=0x" + Long.toHexString(ctx) + " queueDepth=" + queueDepth + " ringEntries=" + ringNr +
            " ringReaping=" + (ring != null) + " kernelSync=" + kernelSync + " kernelPoll=" + kernelPoll +
            " inFlight=" + inFlight + "}";
    }
}
