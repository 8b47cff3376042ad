package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.pageio.linux.uring.IoUringParamsDescriptor.*;

/**
 * One io_uring instance: its descriptor and its three mappings (SQ ring, CQ ring, SQE array), with every
 * field position taken from the {@code io_uring_params} the kernel filled at setup.
 *
 * <p>Ordering protocol (man 7 io_uring, "Submission/Completion queue"):
 * <ul>
 *   <li>SQ: the application owns {@code sq.tail}, the kernel owns {@code sq.head}. SQE fields are plain
 *   writes; {@code sq.tail} is stored with release so that they are visible before the kernel reads the new
 *   tail; {@code sq.head} is read with acquire so that an SQE slot is reused only after the kernel has read it.
 *   With SQPOLL, a full fence separates the tail store from the read of {@code sq.flags} (NEED_WAKEUP), or the
 *   kernel thread could go to sleep between them unseen.</li>
 *   <li>CQ: the kernel owns {@code cq.tail}, the application owns {@code cq.head}. {@code cq.tail} is read with
 *   acquire so that the CQE contents the kernel wrote before it are visible; {@code cq.head} is stored with
 *   release so that the CQE is read before the kernel may overwrite its slot.</li>
 * </ul>
 * The {@code sq.array} indirection is filled once with the identity (entry i names SQE i), so an SQE's index
 * is simply {@code tail & mask}.
 *
 * <p>Threading: the ring agent only; {@link #close()} once.
 */
final class UringRing implements AutoCloseable
{
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    final int fd;
    final int setupFlags;
    final int features;
    final int sqEntries;
    final int cqEntries;
    final boolean sqPoll;

    private final long sqRingAddress;
    private final long sqRingSize;
    private final long cqRingAddress;
    private final long cqRingSize;
    private final long sqesAddress;
    private final long sqesSize;

    /** The SQ ring mapping. */
    private final ByteBuffer sq;
    /** The CQ ring mapping (the same memory as {@link #sq} with IORING_FEAT_SINGLE_MMAP). */
    private final ByteBuffer cq;
    /** The SQE array mapping. */
    final ByteBuffer sqes;

    private final int sqHeadOffset;
    private final int sqTailOffset;
    private final int sqFlagsOffset;
    private final int sqMask;
    private final int cqHeadOffset;
    private final int cqTailOffset;
    private final int cqMask;
    private final int cqesOffset;
    private final int cqOverflowOffset;

    /** Next SQE to fill (application-local tail). */
    private int sqeTail;
    /** Tail last stored to {@code sq.tail}. */
    private int sqePublished;
    /** SQEs the kernel has consumed through io_uring_enter (not SQPOLL). */
    private int sqeSubmitted;
    /** Application-local CQ head. */
    private int cqHead;
    private boolean closed;

    private UringRing(
        final int fd, final int setupFlags, final ByteBuffer params, final long sqRingAddress, final long sqRingSize,
        final long cqRingAddress, final long cqRingSize, final long sqesAddress, final long sqesSize)
    {
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.features = params.getInt(FEATURES);
        this.sqEntries = params.getInt(SQ_ENTRIES);
        this.cqEntries = params.getInt(CQ_ENTRIES);
        this.sqPoll = (setupFlags & UringSyscalls.IORING_SETUP_SQPOLL) != 0;
        this.sqRingAddress = sqRingAddress;
        this.sqRingSize = sqRingSize;
        this.cqRingAddress = cqRingAddress;
        this.cqRingSize = cqRingSize;
        this.sqesAddress = sqesAddress;
        this.sqesSize = sqesSize;
        this.sq = Linux.wrap(sqRingAddress, (int)sqRingSize);
        this.cq = Linux.wrap(cqRingAddress, (int)cqRingSize);
        this.sqes = Linux.wrap(sqesAddress, (int)sqesSize);
        this.sqHeadOffset = params.getInt(SQ_OFF_HEAD);
        this.sqTailOffset = params.getInt(SQ_OFF_TAIL);
        this.sqFlagsOffset = params.getInt(SQ_OFF_FLAGS);
        this.sqMask = sq.getInt(params.getInt(SQ_OFF_RING_MASK));
        this.cqHeadOffset = params.getInt(CQ_OFF_HEAD);
        this.cqTailOffset = params.getInt(CQ_OFF_TAIL);
        this.cqMask = cq.getInt(params.getInt(CQ_OFF_RING_MASK));
        this.cqesOffset = params.getInt(CQ_OFF_CQES);
        this.cqOverflowOffset = params.getInt(CQ_OFF_OVERFLOW);

        final int arrayOffset = params.getInt(SQ_OFF_ARRAY);
        for (int i = 0; i < sqEntries; i++)
        {
            sq.putInt(arrayOffset + 4 * i, i);
        }
        this.sqeTail = (int)INT.getAcquire(sq, sqTailOffset);
        this.sqePublished = sqeTail;
        this.sqeSubmitted = sqeTail;
        this.cqHead = (int)INT.getAcquire(cq, cqHeadOffset);
    }

    /**
     * Sets up a ring and maps it.
     *
     * @param sqEntries     SQ entries asked for (the kernel rounds up to a power of two).
     * @param cqEntries     CQ entries asked for (IORING_SETUP_CQSIZE); 0 for the kernel's default (2 x SQ).
     * @param sqPoll        ask for a kernel submission thread.
     * @param sqThreadIdleMs SQPOLL thread idle time before it sleeps.
     * @return the ring.
     * @throws IOException with text {@code "io_uring_setup: EPERM (...)"}, or naming the mmap that failed.
     */
    static UringRing open(final int sqEntries, final int cqEntries, final boolean sqPoll, final int sqThreadIdleMs)
        throws IOException
    {
        return open(sqEntries, cqEntries, sqPoll, sqThreadIdleMs, false);
    }

    /**
     * As {@link #open(int, int, boolean, int)}, with {@code coopTaskRun}: IORING_SETUP_COOP_TASKRUN |
     * IORING_SETUP_TASKRUN_FLAG (dropped where the kernel refuses them, before 5.19; {@link #coopTaskRun} says).
     */
    static UringRing open(final int sqEntries, final int cqEntries, final boolean sqPoll, final int sqThreadIdleMs,
        final boolean coopTaskRun)
        throws IOException
    {
        return open(sqEntries, cqEntries, sqPoll, sqThreadIdleMs, coopTaskRun, false);
    }

    /**
     * As above, with {@code deferTaskRun}: SINGLE_ISSUER | DEFER_TASKRUN | R_DISABLED (with COOP_TASKRUN and
     * TASKRUN_FLAG): completion work runs only inside the issuer's GETEVENTS enters, and the ring must be enabled
     * (IORING_REGISTER_ENABLE_RINGS) by the thread that will drive it. Dropped where the kernel refuses (< 6.1).
     */
    static UringRing open(final int sqEntries, final int cqEntries, final boolean sqPoll, final int sqThreadIdleMs,
        final boolean coopTaskRun, final boolean deferTaskRun)
        throws IOException
    {
        final long paramsAddress = Linux.malloc(IoUringParamsDescriptor.SIZE);
        if (paramsAddress == 0)
        {
            throw new IOException("malloc failed: size=" + IoUringParamsDescriptor.SIZE);
        }
        try
        {
            final ByteBuffer params = Linux.wrap(paramsAddress, IoUringParamsDescriptor.SIZE);
            int flags = UringSyscalls.IORING_SETUP_CLAMP | UringSyscalls.IORING_SETUP_SUBMIT_ALL |
                (cqEntries > 0 ? UringSyscalls.IORING_SETUP_CQSIZE : 0) | (sqPoll ? UringSyscalls.IORING_SETUP_SQPOLL : 0) |
                (coopTaskRun || deferTaskRun ? UringSyscalls.IORING_SETUP_COOP_TASKRUN | UringSyscalls.IORING_SETUP_TASKRUN_FLAG : 0);
            final int defer = UringSyscalls.IORING_SETUP_SINGLE_ISSUER | UringSyscalls.IORING_SETUP_DEFER_TASKRUN |
                UringSyscalls.IORING_SETUP_R_DISABLED;
            int fd = setup(params, sqEntries, cqEntries, deferTaskRun && !sqPoll ? flags | defer : flags, sqThreadIdleMs);
            if (deferTaskRun && !sqPoll)
            {
                if (fd == -Errno.EINVAL)
                {
                    fd = setup(params, sqEntries, cqEntries, flags, sqThreadIdleMs);
                }
                else
                {
                    flags |= defer;
                }
            }
            if (fd == -Errno.EINVAL && coopTaskRun)
            {
                flags &= ~(UringSyscalls.IORING_SETUP_COOP_TASKRUN | UringSyscalls.IORING_SETUP_TASKRUN_FLAG);
                fd = setup(params, sqEntries, cqEntries, flags, sqThreadIdleMs);
            }
            if (fd == -Errno.EINVAL)
            {
                // SUBMIT_ALL is 5.18+: without it a failing SQE stops the batch, which submit() copes with.
                flags &= ~UringSyscalls.IORING_SETUP_SUBMIT_ALL;
                fd = setup(params, sqEntries, cqEntries, flags, sqThreadIdleMs);
            }
            if (fd < 0)
            {
                throw new IOException("io_uring_setup: " + Errno.name(-fd) + hint(-fd));
            }
            return map(fd, flags, params);
        }
        finally
        {
            Linux.free(paramsAddress);
        }
    }

    private static int setup(final ByteBuffer params, final int sqEntries, final int cqEntries, final int flags,
        final int sqThreadIdleMs)
    {
        for (int i = 0; i < IoUringParamsDescriptor.SIZE; i += 4)
        {
            params.putInt(i, 0);
        }
        params.putInt(CQ_ENTRIES, cqEntries);
        params.putInt(FLAGS, flags);
        params.putInt(SQ_THREAD_IDLE, sqThreadIdleMs);
        return UringSyscalls.setup(sqEntries, Linux.address(params));
    }

    private static String hint(final int errno)
    {
        switch (errno)
        {
            case Errno.EPERM:
                return " (seccomp or kernel.io_uring_disabled)";
            case Errno.ENOSYS:
                return " (kernel without io_uring, or blocked by seccomp)";
            case Errno.ENOMEM:
                return " (RLIMIT_MEMLOCK or memory exhausted)";
            case Errno.EINVAL:
                return " (setup flags or sizes refused by this kernel)";
            default:
                return "";
        }
    }

    private static UringRing map(final int fd, final int flags, final ByteBuffer params) throws IOException
    {
        final int sqEntries = params.getInt(SQ_ENTRIES);
        final int cqEntries = params.getInt(CQ_ENTRIES);
        final boolean singleMmap = (params.getInt(FEATURES) & UringSyscalls.IORING_FEAT_SINGLE_MMAP) != 0;
        long sqRingSize = params.getInt(SQ_OFF_ARRAY) + 4L * sqEntries;
        long cqRingSize = params.getInt(CQ_OFF_CQES) + (long)CqeDescriptor.SIZE * cqEntries;
        if (singleMmap)
        {
            sqRingSize = cqRingSize = Math.max(sqRingSize, cqRingSize);
        }
        final long sqesSize = (long)SqeDescriptor.SIZE * sqEntries;
        final int prot = Linux.PROT_READ | Linux.PROT_WRITE;
        final int mapFlags = Linux.MAP_SHARED | Linux.MAP_POPULATE;
        long sqRing = -1;
        long cqRing = -1;
        long sqesMap = -1;
        try
        {
            sqRing = mapOrThrow("sq ring", Linux.mmap(0, sqRingSize, prot, mapFlags, fd, UringSyscalls.IORING_OFF_SQ_RING));
            cqRing = singleMmap ? sqRing :
                mapOrThrow("cq ring", Linux.mmap(0, cqRingSize, prot, mapFlags, fd, UringSyscalls.IORING_OFF_CQ_RING));
            sqesMap = mapOrThrow("sqes", Linux.mmap(0, sqesSize, prot, mapFlags, fd, UringSyscalls.IORING_OFF_SQES));
            return new UringRing(fd, flags, params, sqRing, sqRingSize, cqRing, cqRingSize, sqesMap, sqesSize);
        }
        catch (final IOException | RuntimeException e)
        {
            if (sqesMap >= 0) Linux.munmap(sqesMap, sqesSize);
            if (cqRing >= 0 && cqRing != sqRing) Linux.munmap(cqRing, cqRingSize);
            if (sqRing >= 0) Linux.munmap(sqRing, sqRingSize);
            Linux.close(fd);
            throw e;
        }
    }

    private static long mapOrThrow(final String what, final long address) throws IOException
    {
        if (address < 0 && address > -4096)
        {
            throw new IOException("mmap of io_uring " + what + " failed: " + Errno.name((int)-address));
        }
        return address;
    }

    /** @return true when the kernel offers {@code feature} (IORING_FEAT_*). */
    boolean hasFeature(final int feature)
    {
        return (features & feature) == feature;
    }

    /** @return SQEs that can be filled now. */
    int sqSpace()
    {
        // acquire: the kernel has read the SQEs before the head it publishes (pairs with its release of sq.head)
        final int head = (int)INT.getAcquire(sq, sqHeadOffset);
        return sqEntries - (sqeTail - head);
    }

    /** @return the byte offset in {@link #sqes} of the next SQE, which the caller fills completely. */
    int nextSqe()
    {
        final int offset = (sqeTail & sqMask) * SqeDescriptor.SIZE;
        sqeTail++;
        return offset;
    }

    /** @return SQEs filled but not yet consumed through io_uring_enter (not SQPOLL) or not yet published (SQPOLL). */
    int unsubmitted()
    {
        return sqPoll ? sqeTail - sqePublished : sqeTail - sqeSubmitted;
    }

    /** Stores the local tail into {@code sq.tail}: the kernel may now read the filled SQEs. */
    void publish()
    {
        if (sqePublished != sqeTail)
        {
            // release: every SQE field written before is visible to the kernel once it reads this tail
            INT.setRelease(sq, sqTailOffset, sqeTail);
            sqePublished = sqeTail;
        }
    }

    /** @param consumed SQEs io_uring_enter reported consumed. */
    void consumed(final int consumed)
    {
        sqeSubmitted += consumed;
    }

    /** @return true when the SQPOLL thread sleeps and needs IORING_ENTER_SQ_WAKEUP. */
    boolean needsWakeup()
    {
        // full fence: the tail store before must not pass this load of sq.flags, or the kernel thread could
        // check the (old) tail, set NEED_WAKEUP and sleep while we read the flag before it was set
        VarHandle.fullFence();
        return ((int)INT.getVolatile(sq, sqFlagsOffset) & UringSyscalls.IORING_SQ_NEED_WAKEUP) != 0;
    }

    /** @return true when the ring was set up with DEFER_TASKRUN (and so SINGLE_ISSUER and R_DISABLED). */
    boolean deferTaskRun()
    {
        return (setupFlags & UringSyscalls.IORING_SETUP_DEFER_TASKRUN) != 0;
    }

    /** @return true when the ring was set up with COOP_TASKRUN and TASKRUN_FLAG. */
    boolean coopTaskRun()
    {
        return (setupFlags & UringSyscalls.IORING_SETUP_TASKRUN_FLAG) != 0;
    }

    /** @return true when the kernel flags pending task work (completions not yet posted): COOP rings only. */
    boolean taskRunPending()
    {
        // acquire: pairs with the kernel's atomic set of IORING_SQ_TASKRUN in sq.flags
        return ((int)INT.getAcquire(sq, sqFlagsOffset) & UringSyscalls.IORING_SQ_TASKRUN) != 0;
    }

    boolean cqOverflow()
    {
        // acquire: pairs with the kernel's atomic set of IORING_SQ_CQ_OVERFLOW in sq.flags
        return ((int)INT.getAcquire(sq, sqFlagsOffset) & UringSyscalls.IORING_SQ_CQ_OVERFLOW) != 0;
    }

    /** @return the CQ ring's overflow counter (completions dropped; stays 0 with NODROP). */
    int cqDropped()
    {
        return (int)INT.getAcquire(cq, cqOverflowOffset);
    }

    /** @return the kernel's CQ tail. */
    int cqTail()
    {
        // acquire: the CQEs up to this tail are fully written (pairs with the kernel's release of cq.tail)
        return (int)INT.getAcquire(cq, cqTailOffset);
    }

    /** @return the local CQ head. */
    int cqHead()
    {
        return cqHead;
    }

    /** @return byte offset in {@link #cq()} of the CQE at {@code position}. */
    int cqeOffset(final int position)
    {
        return cqesOffset + (position & cqMask) * CqeDescriptor.SIZE;
    }

    /** @return the CQ ring mapping, to read CQEs. */
    ByteBuffer cq()
    {
        return cq;
    }

    /** Consumes one CQE: the kernel may reuse its slot. */
    void advanceCq()
    {
        cqHead++;
        // release: the CQE was read before the kernel may overwrite it (pairs with the kernel's acquire of cq.head)
        INT.setRelease(cq, cqHeadOffset, cqHead);
    }

    /** Unmaps and closes the ring's descriptor. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        Linux.munmap(sqesAddress, sqesSize);
        if (cqRingAddress != sqRingAddress)
        {
            Linux.munmap(cqRingAddress, cqRingSize);
        }
        Linux.munmap(sqRingAddress, sqRingSize);
        Linux.close(fd);
    }
}
