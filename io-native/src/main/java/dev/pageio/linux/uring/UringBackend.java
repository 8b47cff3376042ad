package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.AddressCache;
import dev.pageio.linux.Linux;
import dev.pageio.linux.LocalCompletions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The io_uring ring backend: one SQE per {@link #prepare}, one io_uring_enter per {@link #submit} batch (none
 * when nothing is prepared), completions read from the mapped CQ ring with no system call while they are
 * there.
 *
 * <p>{@code user_data}: a tag and, for a request, the low 32 bits of the slot's generation and the slot index
 * ({@link UringUserData} draws the layout and keeps what is in the ring by it), so that a cancel names exactly one use
 * of a slot and an internal completion is never taken for a request's.
 *
 * <p>Waiting: an {@code IORING_OP_READ} of 8 bytes on a private non-blocking eventfd is kept in the ring;
 * {@link #wakeup()} writes that eventfd, so the read completes and an {@link #await} blocked in
 * {@code io_uring_enter(GETEVENTS, min_complete=1)} returns. A wakeup before the await leaves the eventfd
 * non-zero, so the re-armed read completes at once: no wakeup is lost. Every io_uring_enter, the reap loop and
 * their counters are in {@link UringSubmitter}.
 *
 * <p>Admission: a request is taken only while requests in flight &lt; queueDepth, everything in flight &lt; CQ
 * entries, and an SQE is free. Completions that still overflow the CQ (internal operations, or a sink that does
 * not reap) are kept by the kernel (IORING_FEAT_NODROP) and flushed by {@link #reap} with an
 * {@code io_uring_enter(GETEVENTS)} when {@code IORING_SQ_CQ_OVERFLOW} is set: none is lost.
 *
 * <p>Threading: every method is for the ring agent, except {@link #wakeup()} (any thread).
 */
public final class UringBackend implements RingBackend
{
    /** SQPOLL kernel thread idle time before it sleeps (sq_thread_idle). */
    private static final int SQ_THREAD_IDLE_MS = 50;
    /** How long {@link #close()} waits for requests still in the kernel. */
    private static final long CLOSE_DRAIN_NS = 10_000_000_000L;
    /** Requests whose buffers the kernel might still use after a failed drain: kept reachable forever. */
    private static final List<Object> ABANDONED = new ArrayList<>();
    private static final CompletionSink DISCARD = new CompletionSink()
    {
        @Override
        public void complete(final Request request, final long result)
        {
        }

        @Override
        public void cancelResult(final Request request, final int result)
        {
        }
    };

    private final UringRing ring;
    private final boolean coopTaskRun;
    private final ByteBuffer sqes;
    private final int queueDepth;
    private final dev.pageio.linux.AddressCache addressCache;
    private final int maxSegments;
    /** The requests and internal operations in the ring, by user_data. */
    private final UringUserData inRing;
    private final long iovecAddress;
    private final ByteBuffer iovecs;
    /** The wakeup eventfd and the wait's scratch block. */
    private final UringWaker waker;

    private CompletionSink lastSink;
    private boolean closing;
    private volatile boolean closed;

    private final UringRegistrations registrations;
    private final LocalCompletions local;
    private final UringSqeWriter sqeWriter;
    private final LocalCompletions.Release releaseLocal = this::releaseLocal;

    /** Every io_uring_enter (submit, await, reap's flushes) and its counters. */
    private final UringSubmitter submitter;

    private UringBackend(final UringRing ring, final int queueDepth, final int maxSegments, final UringWaker waker,
        final long iovecAddress, final long iovecBytes)
    {
        this.ring = ring;
        this.coopTaskRun = ring.coopTaskRun();
        this.sqes = ring.sqes;
        this.queueDepth = queueDepth;
        this.addressCache = new AddressCache(queueDepth);
        this.maxSegments = maxSegments;
        this.inRing = new UringUserData(queueDepth);
        this.waker = waker;
        this.iovecAddress = iovecAddress;
        this.iovecs = Linux.wrap(iovecAddress, (int)iovecBytes);
        this.registrations = new UringRegistrations(ring);
        this.local = new LocalCompletions(queueDepth);
        this.sqeWriter = new UringSqeWriter(ring, addressCache, maxSegments, iovecAddress, iovecs, registrations);
        this.submitter = new UringSubmitter(ring, inRing, waker);
    }

    /**
     * Opens a ring sized for {@code config.queueDepth()}: SQ entries the next power of two, CQ entries twice
     * that plus room for internal operations (IORING_SETUP_CQSIZE, CLAMP), SQPOLL when {@code config.sqPoll()}.
     *
     * @param config the ring's configuration.
     * @return the backend.
     * @throws IOException when the kernel refuses the ring (text as {@code "io_uring_setup: EPERM (...)"}).
     */
    public static UringBackend open(final RingConfig config) throws IOException
    {
        return open(config.backendConfig());
    }

    /**
     * {@link #open(RingConfig)} with the SPI's value.
     *
     * @param config what the backend reads of the ring's configuration.
     * @return the backend.
     * @throws IOException when the kernel refuses the ring.
     */
    public static UringBackend open(final BackendConfig config) throws IOException
    {
        final int queueDepth = config.queueDepth();
        final int sqEntries = Math.min(UringSyscalls.IORING_MAX_ENTRIES, ceilPowerOfTwo(queueDepth));
        final int cqEntries = Math.min(UringSyscalls.IORING_MAX_CQ_ENTRIES, ceilPowerOfTwo(2 * queueDepth + 2));
        final UringRing ring = UringRing.open(sqEntries, cqEntries, config.sqPoll(), SQ_THREAD_IDLE_MS, config.coopTaskRun(),
            config.deferTaskRun() && config.dedicatedAgent());
        UringWaker waker = null;
        long iovecs = 0;
        try
        {
            if (!ring.hasFeature(UringSyscalls.IORING_FEAT_NODROP) || !ring.hasFeature(UringSyscalls.IORING_FEAT_EXT_ARG))
            {
                throw new IOException("io_uring lacks IORING_FEAT_NODROP or IORING_FEAT_EXT_ARG (kernel < 5.11): features=0x" +
                    Integer.toHexString(ring.features));
            }
            waker = UringWaker.open();
            // the iovec table is reserved, not touched: malloc'd pages cost memory only once a slot uses them
            final long iovecBytes = (long)queueDepth * config.maxSegments() * IovecDescriptor.SIZE;
            iovecs = Linux.malloc(iovecBytes);
            if (iovecs == 0)
            {
                throw new IOException("malloc failed: iovecBytes=" + iovecBytes);
            }
            return new UringBackend(ring, queueDepth, config.maxSegments(), waker, iovecs, iovecBytes);
        }
        catch (final IOException | RuntimeException e)
        {
            if (waker != null) waker.close(true);
            if (iovecs != 0) Linux.free(iovecs);
            ring.close();
            throw e;
        }
    }

    private static int ceilPowerOfTwo(final int value)
    {
        return value <= 1 ? 1 : Integer.highestOneBit(value - 1) << 1;
    }

    @Override
    public String name()
    {
        return UringEngine.NAME;
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

    @Override
    public boolean prepare(final Request request)
    {
        ensureOpen();
        final int index = request.index;
        if (index < 0 || index >= queueDepth)
        {
            throw new IllegalArgumentException("request index out of range: index=" + index + " queueDepth=" + queueDepth);
        }
        if (inRing.taken(index))
        {
            throw new IllegalStateException("request already in the ring: index=" + index);
        }
        if (inRing.requestsInFlight() >= queueDepth ||
            inRing.requestsInFlight() + inRing.internalInFlight() >= ring.cqEntries ||
            ring.sqSpace() <= 0)
        {
            return false;
        }
        final RequestOp op = request.op;
        if (op == null || request.fd < 0)
        {
            return invalid(request, index);
        }
        final long userDataValue = UringUserData.ofRequest(request, index);
        if (!sqeWriter.write(request, index, userDataValue))
        {
            return invalid(request, index);
        }
        inRing.add(index, request, userDataValue);
        return true;
    }

    /**
     * The bad-request rule of {@link RingBackend#prepare}: a request this backend cannot encode completes with
     * -EINVAL through the sink, at the next {@link #reap}, and never reaches the kernel.
     */
    private boolean invalid(final Request request, final int index)
    {
        inRing.addLocal(index, request);
        local.complete(index, -Errno.EINVAL);
        return true;
    }

    /** {@link LocalCompletions.Release} of a local completion. */
    private Request releaseLocal(final int index)
    {
        return inRing.releaseLocal(index);
    }

    /**
     * Writes one internal SQE (the wakeup read, a cancel, a NOP), outside the requests' admission: its completion
     * carries {@code tag} and is counted in {@link #internalInFlight()}. Package-private: tests fill the CQ with NOPs
     * through it.
     */
    void prepareInternal(final int opcode, final int fd, final long address, final int length, final long tag)
    {
        ensureOpen();
        reserveInternalSqe();
        sqeWriter.writeSqe(opcode, 0, fd, 0, address, length, 0, tag, 0);
        inRing.internalAdded();
    }

    /** Makes room for one internal SQE, submitting what is prepared if the SQ is full. */
    private void reserveInternalSqe()
    {
        for (int spins = 0; ring.sqSpace() <= 0; spins++)
        {
            if (submit() == 0)
            {
                if (ring.sqPoll)
                {
                    // the SQPOLL thread has not consumed the SQ yet: wait until it has room
                    submitter.enter(0, 0, UringSyscalls.IORING_ENTER_SQ_WAIT, 0, 0);
                }
                else if (spins > 1000)
                {
                    throw new IllegalStateException("io_uring SQ stays full: sqEntries=" + ring.sqEntries);
                }
            }
        }
    }

    @Override
    public int submit()
    {
        submitter.attach();
        if (closed)
        {
            return 0;
        }
        return submitter.submit();
    }

    @Override
    public int reap(final CompletionSink sink)
    {
        submitter.attach();
        if (closed)
        {
            return 0;
        }
        lastSink = sink;
        final int reaped = local.isEmpty() ? 0 : local.deliver(sink, releaseLocal);
        return submitter.reap(sink, reaped);
    }

    @Override
    public int inFlight()
    {
        return inRing.requestsInFlight();
    }

    /** @return true without SQPOLL: {@link #await} submits what is prepared in its own io_uring_enter. */
    @Override
    public boolean submitsInAwait()
    {
        return !ring.sqPoll;
    }

    @Override
    public void await(final long timeoutNs)
    {
        if (closed || timeoutNs <= 0 || !local.isEmpty())
        {
            // submitsInAwait(): prepared requests never stay behind an await that does not enter
            submit();
            return;
        }
        submitter.attach();
        armWake();
        submitter.await(timeoutNs);
    }

    private void armWake()
    {
        if (!inRing.wakeArmed() && !closing)
        {
            prepareInternal(UringSyscalls.IORING_OP_READ, waker.fd(), waker.readAddress(), 8, UringUserData.TAG_WAKE);
            inRing.wakeArmed(true);
        }
    }

    @Override
    public void wakeup()
    {
        waker.wakeup();
    }

    @Override
    public void cancel(final Request request)
    {
        ensureOpen();
        final int index = request.index;
        if (index < 0 || index >= queueDepth)
        {
            throw new IllegalArgumentException("request index out of range: index=" + index + " queueDepth=" + queueDepth);
        }
        final long target = inRing.cancelTarget(index, request);
        prepareInternal(UringSyscalls.IORING_OP_ASYNC_CANCEL, -1, target, 0, UringUserData.TAG_CANCEL | index);
    }

    /**
     * Registers buffers (IORING_REGISTER_BUFFERS): later READ/WRITE requests whose range lies inside one of
     * them use READ_FIXED/WRITE_FIXED (found by binary search, no allocation). The buffers stay referenced until
     * {@link #unregisterBuffers()} or close. Agent thread, with no request in flight.
     *
     * @param buffers direct buffers.
     * @return 0, or -errno from the kernel (e.g. -ENOMEM over RLIMIT_MEMLOCK).
     */
    @Override
    public int registerBuffers(final ByteBuffer... buffers)
    {
        ensureOpen();
        ensureQuiet("registerBuffers");
        return registrations.registerBuffers(buffers);
    }

    /**
     * Unregisters the buffers. Agent thread, with no request in flight.
     *
     * @return 0 or -errno.
     */
    public int unregisterBuffers()
    {
        ensureOpen();
        ensureQuiet("unregisterBuffers");
        return registrations.unregisterBuffers();
    }

    /**
     * Registers files (IORING_REGISTER_FILES): later requests on one of them (the same {@link FileAccess}
     * object, not merely the same descriptor number) carry IOSQE_FIXED_FILE. Agent thread, with no request in
     * flight; unregister before closing a registered file.
     *
     * @param files open files with descriptors.
     * @return 0, or -errno from the kernel.
     */
    public int registerFiles(final FileAccess... files)
    {
        ensureOpen();
        ensureQuiet("registerFiles");
        return registrations.registerFiles(files);
    }

    /**
     * Unregisters the files. Agent thread, with no request in flight.
     *
     * @return 0 or -errno.
     */
    public int unregisterFiles()
    {
        ensureOpen();
        ensureQuiet("unregisterFiles");
        return registrations.unregisterFiles();
    }

    /**
     * An eventfd the kernel signals whenever it posts a completion (IORING_REGISTER_EVENTFD), for an
     * application's epoll loop: readable means "call the ring's poll()". Created and registered on the first
     * call; closed by {@link #close()} (remove it from any epoll set first). Agent thread.
     *
     * @return the eventfd.
     * @throws IllegalStateException when the kernel refuses.
     */
    public int completionEventFd()
    {
        ensureOpen();
        return registrations.completionEventFd();
    }

    /** @return true when the ring runs with COOP_TASKRUN | TASKRUN_FLAG (asked for, and accepted by the kernel). */
    public boolean coopTaskRun()
    {
        return coopTaskRun;
    }

    /** @return {@link #enterCalls()}: io_uring_enter is the only system call this backend makes on the agent. */
    @Override
    public long systemCalls()
    {
        return submitter.enterCalls;
    }

    @Override
    public long submitCalls()
    {
        return submitter.submitCalls;
    }

    @Override
    public long requestsSubmitted()
    {
        return submitter.requestsSubmitted;
    }

    /** @return io_uring_enter calls made so far (submit, await, overflow flush, SQPOLL wakeup). */
    public long enterCalls()
    {
        return submitter.enterCalls;
    }

    /** @return SQ entries the kernel gave. */
    public int sqEntries()
    {
        return ring.sqEntries;
    }

    /** @return CQ entries the kernel gave. */
    public int cqEntries()
    {
        return ring.cqEntries;
    }

    /** @return true when the ring runs a kernel submission thread. */
    public boolean sqPoll()
    {
        return ring.sqPoll;
    }

    /** @return the CQ ring's dropped counter (0 with NODROP). */
    public int cqDropped()
    {
        return ring.cqDropped();
    }

    long wakeCompletions()
    {
        return inRing.wakeCompletions();
    }

    long nopCompletions()
    {
        return inRing.nopCompletions();
    }

    /** @return requests sent as READ_FIXED/WRITE_FIXED (a registered buffer) so far. Agent thread. */
    public long fixedBufferOps()
    {
        return sqeWriter.fixedBufferOps;
    }

    /** @return requests sent with IOSQE_FIXED_FILE (a registered file) so far. Agent thread. */
    public long fixedFileOps()
    {
        return sqeWriter.fixedFileOps;
    }

    long unknownCompletions()
    {
        return inRing.unknownCompletions();
    }

    int internalInFlight()
    {
        return inRing.internalInFlight();
    }

    /** @return true when the ring runs DEFER_TASKRUN (single issuer: the thread that first used the backend). */
    public boolean deferTaskRun()
    {
        return ring.deferTaskRun();
    }

    private void ensureOpen()
    {
        submitter.attach();
        if (closed)
        {
            throw new IllegalStateException("io_uring backend closed");
        }
    }

    private void ensureQuiet(final String what)
    {
        if (inRing.requestsInFlight() != 0)
        {
            throw new IllegalStateException(what + " needs no request in flight: inFlight=" + inRing.requestsInFlight());
        }
    }

    /**
     * Cancels and completes whatever is still in the ring (to the last sink given to {@link #reap}), waits for
     * the internal operations, then unmaps the rings and closes every descriptor and frees the native memory.
     * If the kernel still holds requests after {@value #CLOSE_DRAIN_NS} ns, their buffers and the native memory
     * are kept forever rather than freed under the kernel. Idempotent.
     */
    @Override
    public void close()
    {
        addressCache.clear();
        if (closed)
        {
            return;
        }
        closing = true;
        final CompletionSink sink = lastSink != null ? lastSink : DISCARD;
        submit();
        for (int i = 0; i < queueDepth; i++)
        {
            final Request request = inRing.inKernel(i);
            if (request != null)
            {
                cancel(request);
            }
        }
        if (inRing.wakeArmed())
        {
            waker.write();
        }
        submit();
        final long deadline = System.nanoTime() + CLOSE_DRAIN_NS;
        while ((inRing.requestsInFlight() > 0 || inRing.internalInFlight() > 0) && System.nanoTime() - deadline < 0)
        {
            try
            {
                reap(sink);
            }
            catch (final RuntimeException e)
            {
                // a throwing sink must not stop the drain: the kernel may still be using the buffers
                System.getLogger(UringBackend.class.getName()).log(System.Logger.Level.WARNING,
                    "completion sink threw while closing the io_uring backend", e);
            }
            if (inRing.requestsInFlight() > 0 || inRing.internalInFlight() > 0)
            {
                submit();
                submitter.enter(0, 1, UringSyscalls.IORING_ENTER_GETEVENTS | UringSyscalls.IORING_ENTER_EXT_ARG,
                    waker.timeout(10_000_000L), GetEventsArgDescriptor.SIZE);
            }
        }
        closed = true;
        waker.closing();
        final boolean drained = inRing.requestsInFlight() == 0 && inRing.internalInFlight() == 0;
        ring.close();
        waker.close(drained);
        if (drained)
        {
            Linux.free(iovecAddress);
        }
        else
        {
            synchronized (ABANDONED)
            {
                ABANDONED.add(inRing.slotsCopy());
                ABANDONED.add(registrations.buffers());
            }
            System.getLogger(UringBackend.class.getName()).log(System.Logger.Level.WARNING,
                "io_uring closed with operations still in the kernel; their memory is kept: requests=" +
                inRing.requestsInFlight() + " internal=" + inRing.internalInFlight());
        }
        inRing.clear();
        registrations.close();
    }
}
