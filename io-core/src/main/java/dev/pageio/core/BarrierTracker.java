package dev.pageio.core;

import dev.pageio.core.spi.RequestOp;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The fsync-barrier state of one file, as {@code docs/DURABILITY.md} defines it.
 *
 * <ul>
 *   <li>S: {@link #lastSeq}, taken by submitters for each accepted write (before it is queued).</li>
 *   <li>C: {@link #completed}, the largest s such that every write with seq &le; s has completed. Writes complete
 *   out of order; the ones beyond C are bits in a window of {@link RingConfig#barrierWindow()} sequence numbers.</li>
 *   <li>D: {@link #durableData} / {@link #durableFull}, the largest T such that an fdatasync / fsync issued when
 *   C &ge; T returned 0.</li>
 * </ul>
 *
 * <p>A barrier with coverage S succeeds once S &le; D. Up to K = {@link RingConfig#barrierSyncsInFlightMax()}
 * syncs are in flight per file (rule 4, pipelined). Each takes its snapshot T = C before it is issued and is carried
 * by the slot of one waiting barrier (no allocation, no extra slot; the K in-flight entries are preallocated arrays).
 * A new sync is issued only for a waiting barrier that no sync in flight will cover: its S &le; C, and S is above
 * the T of every sync in flight (of a kind strong enough for it: a barrier that needs fsync is not covered by an
 * fdatasync). So a new sync always covers writes that no sync in flight does, except the upgrade of a covered range
 * from fdatasync to fsync. On each success D = max(D, T), whatever order the syncs finish in, and every waiting
 * barrier with S &le; D completes. A failed covered write or a failed sync poisons the file for good: every pending
 * and later barrier fails with that first cause, whatever later syncs return, including syncs still in flight that
 * return 0 after it.
 *
 * <p>K &gt; 1 applies to O_DIRECT files only; a file that goes through the page cache keeps one sync in flight.
 * The kernel reports a page-cache writeback error to one sync of the open file only (errseq; PostgreSQL's
 * "fsyncgate"), so with two syncs in flight the one that does not get the error may return 0 first and publish a D
 * it does not deserve, before the other's EIO poisons the file. For O_DIRECT writes a data error fails the write
 * itself (and poisons through {@link #writeDone}), and a cache-flush or journal error is returned to each sync that
 * waits for it. What remains is ext4's fallback of some O_DIRECT writes to the page cache; K = 1 closes that too.
 *
 * <p>A <em>forced</em> barrier ({@link Slot#forcedSync}) is what a user's fsync/fdatasync becomes (POSIX
 * aio_fsync, docs/DURABILITY.md rule 11): it covers the writes accepted before it as any barrier does, and it
 * also needs a sync <em>issued after it arrived</em>, so that it covers changes the tracker cannot see
 * (fallocate, writes through another descriptor). It never succeeds at once from an earlier D, is not covered by
 * a sync issued before it arrived, and syncs on an O_DSYNC file too. It shares its sync with the other barriers
 * waiting (group commit).
 *
 * <p>Threading: {@link #nextSeq()}, {@link #lastSeq()} and {@link #closeSeq()}: any thread. Everything else: the ring's agent.
 */
final class BarrierTracker
{
    /** What the tracker asks of the agent (agent thread). */
    interface Sink
    {
        void barrierSucceeded(Slot barrier);

        void barrierFailed(Slot barrier, IoFailure cause);

        void issueSync(Slot carrier);
    }

    /** Receives the events a {@link BarrierObserver} sees, for the file this tracker belongs to. */
    interface Listener
    {
        void writeCompleted(long writeSeq, boolean ok, long nanoTime);

        void syncIssued(long covers, boolean full, boolean user, long nanoTime);

        void syncCompleted(long covers, boolean full, int errno, long nanoTime);
    }

    private final String pathText;
    private final Progress progress;
    private final boolean syncWrites;
    private final Listener listener;
    private final boolean naive;
    private final long[] bits;
    private final int window;
    private final long submitTimeoutNs;

    /** The closed bit of {@link #lastSeq} (set by {@link #closeSeq()}); the bits below it are the last seq taken. */
    private static final long SEQ_CLOSED = Long.MIN_VALUE;

    /** S and, in its top bit, whether the numbering is closed: one word, so that a write is numbered or refused. */
    private final AtomicLong lastSeq = new AtomicLong();
    private volatile long completed;
    private long durableData;
    private long durableFull;
    private IoFailure poison;

    private Slot waitHead;
    private Slot waitTail;
    /** The carriers of the syncs in flight, {@code [0, inFlight)}, with their snapshots T and kinds. */
    private final Slot[] carriers;
    private final long[] carrierSnapshots;
    private final boolean[] carrierFulls;
    /** Each in-flight sync's number: 1, 2, 3… in issue order ({@link #syncs} after its issue). */
    private final long[] carrierNos;
    private int inFlight;
    /** The last sync that succeeded: its number, snapshot and kind (forced barriers need one issued after them). */
    private long lastOkNo;
    private long lastOkSnapshot;
    private boolean lastOkFull;

    private long maxEndCompleted;
    private long sizeAtFullSync;
    private long growthSeq;

    private long syncs;
    private long barriers;
    /** Barriers completed by the event being processed (a sync's completion), for the Barrier event. */
    private int group = 1;

    /**
     * @param pathText    the file's path, for error messages.
     * @param syncWrites  true when the file was opened O_DSYNC/O_SYNC: a completed write is durable.
     * @param direct      true when the file was opened O_DIRECT: only then may K &gt; 1 syncs be in flight.
     * @param config      the ring's configuration (window, submit timeout).
     * @param policy      {@link BarrierPolicy#STRICT} except in the tests that prove the detectors.
     * @param initialSize the file's size when it was put on the ring.
     * @param progress    how a submitter waiting for the window helps the ring along.
     * @param listener    the observer's view of this file, or null.
     */
    BarrierTracker(final String pathText, final boolean syncWrites, final boolean direct, final RingConfig config,
        final BarrierPolicy policy, final long initialSize, final Progress progress, final Listener listener)
    {
        this.pathText = pathText;
        this.progress = progress;
        this.syncWrites = syncWrites;
        this.listener = listener;
        this.naive = policy == BarrierPolicy.NAIVE_FOR_TESTING;
        this.window = config.barrierWindow();
        this.bits = new long[window / 64];
        this.submitTimeoutNs = config.submitTimeoutNs();
        // One at a time through the page cache: see the class comment (errseq reports a writeback error once).
        final int syncsInFlightMax = direct ? config.barrierSyncsInFlightMax() : 1;
        this.carriers = new Slot[syncsInFlightMax];
        this.carrierSnapshots = new long[syncsInFlightMax];
        this.carrierFulls = new boolean[syncsInFlightMax];
        this.carrierNos = new long[syncsInFlightMax];
        this.sizeAtFullSync = initialSize;
        this.maxEndCompleted = initialSize;
    }

    // ------------------------------------------------------------------------------------------ any thread

    /** @return the last write sequence number taken: a barrier's S. */
    long lastSeq()
    {
        return lastSeq.get() & ~SEQ_CLOSED;
    }

    /**
     * Closes the numbering (the file is closing): no write takes a number after this, so the returned S covers
     * every write ever accepted on the file. A write that was counted in before the close but had not taken its
     * number yet is refused by {@link #nextSeq()} instead of slipping past the close barrier (rule 11).
     *
     * @return the last write sequence number taken: the close barrier's S.
     */
    long closeSeq()
    {
        while (true)
        {
            final long s = lastSeq.get();
            if (lastSeq.compareAndSet(s, s | SEQ_CLOSED))
            {
                return s & ~SEQ_CLOSED;
            }
        }
    }

    /**
     * Takes the next write sequence number: the point at which a write is accepted. Waits (as for a full ring)
     * while a write that has not completed is a whole window behind.
     *
     * @throws ClosedFileException once {@link #closeSeq()} ran.
     */
    long nextSeq()
    {
        long deadline = 0;
        int attempt = 0;
        while (true)
        {
            final long s = lastSeq.get();
            if ((s & SEQ_CLOSED) != 0)
            {
                throw new ClosedFileException("file closed: path=" + pathText);
            }
            if (s + 1 - completed <= window)
            {
                // the CAS fails if closeSeq() set the closed bit meanwhile: the next turn refuses
                if (lastSeq.compareAndSet(s, s + 1))
                {
                    return s + 1;
                }
                continue;
            }
            if (deadline == 0)
            {
                if (submitTimeoutNs == 0 || progress.onAgentThread())
                {
                    throw windowFull(s);
                }
                deadline = System.nanoTime() + submitTimeoutNs;
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw windowFull(s);
            }
            Backoff.idle(progress, attempt++, deadline);
        }
    }

    private QueueFullException windowFull(final long s)
    {
        return new QueueFullException("barrier window full: write seq=" + (completed + 1) + " has not completed while " +
            (s - completed - 1) + " later ones did: window=" + window + " path=" + pathText);
    }

    // ------------------------------------------------------------------------------------------ agent thread

    /** @return syncs issued for barriers on this file. */
    long syncs()
    {
        return syncs;
    }

    /** @return barriers completed (successfully or not) on this file. */
    long barriers()
    {
        return barriers;
    }

    /**
     * @return how many barriers the event now being processed completes together: the count for a sync's
     * completion (the carrier and every waiter it covers), 1 for any other event. Read by the agent while the
     * tracker reports each barrier's end.
     */
    int group()
    {
        return group;
    }

    /**
     * @param carrierSlot a barrier carrying a sync in flight.
     * @return the snapshot T of its sync (the last write sequence number it covers).
     */
    long syncCovers(final Slot carrierSlot)
    {
        return carrierSnapshots[carrierIndex(carrierSlot)];
    }

    /**
     * @param carrierSlot a barrier carrying a sync in flight.
     * @return true when its sync is an fsync (false: fdatasync).
     */
    boolean syncFull(final Slot carrierSlot)
    {
        return carrierFulls[carrierIndex(carrierSlot)];
    }

    /** @return D for data: every write with sequence number &le; it is durable (fdatasync or better). */
    long durableData()
    {
        return durableData;
    }

    /** @return the first failure that poisoned the file, or null. */
    IoFailure poison()
    {
        return poison;
    }

    /** A write finished: {@code errno} 0 on success. */
    void writeDone(final long seq, final IoOp op, final int fd, final long offset, final long length, final int errno,
        final Sink sink)
    {
        if (errno == 0)
        {
            final long end = offset + length;
            if (end > maxEndCompleted)
            {
                maxEndCompleted = end;
            }
            if (end > sizeAtFullSync && seq > growthSeq)
            {
                growthSeq = seq;
            }
        }
        group = 1;
        if (errno != 0 && errno != Errno.ECANCELED && poison == null)
        {
            // A canceled write was revoked by its caller; any other failure of a covered write poisons the file.
            poison = IoFailure.of(op, pathText, fd, offset, length, errno,
                "write failed: the file's barriers fail from now on", null);
        }
        markCompleted(seq);
        if (listener != null)
        {
            listener.writeCompleted(seq, errno == 0, System.nanoTime());
        }
        pump(sink);
    }

    /**
     * A plain fsync/fdatasync on this file (not a barrier's) failed. The kernel reports a writeback error once per
     * open file, so the sync that reports it may be this one rather than a barrier's, and the next barrier sync
     * would return 0: the failure poisons the file as a barrier sync's would (rule 5).
     */
    void plainSyncFailed(final IoOp op, final int fd, final int errno, final Sink sink)
    {
        if (errno == Errno.ECANCELED || poison != null)
        {
            return;
        }
        poison = IoFailure.of(op, pathText, fd, 0, 0, errno,
            "sync failed: a writeback error was reported to a plain sync, so the file's barriers fail from now on", null);
        pump(sink);
    }

    private void markCompleted(final long seq)
    {
        long c = completed;
        if (seq != c + 1)
        {
            bits[(int)((seq & (window - 1)) >>> 6)] |= 1L << (seq & 63);
            return;
        }
        c++;
        while (true)
        {
            final long next = c + 1;
            final int word = (int)((next & (window - 1)) >>> 6);
            final long bit = 1L << (next & 63);
            if ((bits[word] & bit) == 0)
            {
                break;
            }
            bits[word] &= ~bit;
            c = next;
        }
        // volatile write: submitters read C for the window check in nextSeq().
        completed = c;
    }

    /** The ring is closing: every barrier still waiting fails (the ones carrying a sync complete with it). */
    void abortWaiting(final IoFailure cause, final Sink sink)
    {
        Slot w = waitHead;
        waitHead = null;
        waitTail = null;
        while (w != null)
        {
            final Slot next = w.nextWaiter;
            w.nextWaiter = null;
            barriers++;
            sink.barrierFailed(w, cause);
            w = next;
        }
    }

    /** A barrier arrived at the agent. */
    void arrive(final Slot barrier, final Sink sink)
    {
        barrier.syncsAtArrival = syncs;
        group = 1;
        if (poison != null)
        {
            barriers++;
            sink.barrierFailed(barrier, poison);
            return;
        }
        if (satisfied(barrier))
        {
            barriers++;
            sink.barrierSucceeded(barrier);
            return;
        }
        barrier.nextWaiter = null;
        if (waitTail == null)
        {
            waitHead = barrier;
        }
        else
        {
            waitTail.nextWaiter = barrier;
        }
        waitTail = barrier;
        pump(sink);
    }

    /** The sync carried by {@code carrierSlot} completed with {@code result} (0 or -errno, EINTR already retried). */
    void syncDone(final Slot carrierSlot, final long result, final Sink sink)
    {
        int together = 1;
        final int i = carrierIndex(carrierSlot);
        final long snapshot = carrierSnapshots[i];
        final boolean full = carrierFulls[i];
        final long no = carrierNos[i];
        // Swap the last in-flight entry into this one: order among syncs in flight does not matter.
        inFlight--;
        carriers[i] = carriers[inFlight];
        carrierSnapshots[i] = carrierSnapshots[inFlight];
        carrierFulls[i] = carrierFulls[inFlight];
        carrierNos[i] = carrierNos[inFlight];
        carriers[inFlight] = null;
        if (result < 0 && poison == null)
        {
            poison = IoFailure.of(IoOp.of(carrierSlot.request.op), pathText, carrierSlot.request.fd, 0, 0, (int)-result,
                "barrier sync failed: the file's barriers fail from now on", null);
        }
        if (result >= 0 && poison == null)
        {
            // max, not assignment: a later-issued sync (larger T) may have finished first (rule 4).
            durableData = Math.max(durableData, snapshot);
            if (full)
            {
                durableFull = Math.max(durableFull, snapshot);
            }
            // The pump below completes the forced barriers this sync covers, before any other sync completes.
            lastOkNo = no;
            lastOkSnapshot = snapshot;
            lastOkFull = full;
        }
        for (Slot w = waitHead; w != null; w = w.nextWaiter)
        {
            if (poison != null || satisfied(w))
            {
                together++;
            }
        }
        group = together;
        if (listener != null)
        {
            listener.syncCompleted(snapshot, full, result < 0 ? (int)-result : 0, System.nanoTime());
        }
        carrierSlot.carriesSync = false;
        carrierSlot.request.op = RequestOp.BARRIER;
        barriers++;
        if (poison != null)
        {
            sink.barrierFailed(carrierSlot, poison);
        }
        else
        {
            sink.barrierSucceeded(carrierSlot);
        }
        pump(sink);
    }

    private int carrierIndex(final Slot carrierSlot)
    {
        for (int i = 0; i < inFlight; i++)
        {
            if (carriers[i] == carrierSlot)
            {
                return i;
            }
        }
        throw new IllegalStateException("sync completed for a slot that carries none on this file: slot=" +
            carrierSlot.index() + " path=" + pathText);
    }

    /** @return true when a sync in flight will, on success, make this barrier's writes durable in its mode. */
    private boolean coveredInFlight(final Slot barrier)
    {
        final long s = barrier.barrierSeq;
        for (int i = 0; i < inFlight; i++)
        {
            if (s <= carrierSnapshots[i] && (carrierFulls[i] || !needsFull(barrier)) &&
                (!barrier.forcedSync || carrierNos[i] > barrier.syncsAtArrival))
            {
                return true;
            }
        }
        return false;
    }

    private boolean satisfied(final Slot barrier)
    {
        final long s = barrier.barrierSeq;
        if (barrier.forcedSync)
        {
            // Only a sync issued after it arrived counts (it may cover what the tracker cannot see).
            return lastOkNo > barrier.syncsAtArrival && s <= lastOkSnapshot && (lastOkFull || !needsFull(barrier));
        }
        if (syncWrites)
        {
            // O_DSYNC: a completed write is durable (rule 10).
            return s <= completed;
        }
        return s <= (needsFull(barrier) ? durableFull : durableData);
    }

    private boolean needsFull(final Slot barrier)
    {
        final BarrierMode mode = barrier.barrierMode;
        return mode == BarrierMode.FULL || (mode == BarrierMode.AUTO && growthSeq > durableFull);
    }

    /** Completes what can be completed and issues the next sync where one is due. */
    private void pump(final Sink sink)
    {
        if (poison != null)
        {
            abortWaiting(poison, sink);
            return;
        }
        // Complete every waiting barrier already covered.
        Slot prev = null;
        Slot w = waitHead;
        while (w != null)
        {
            final Slot next = w.nextWaiter;
            if (satisfied(w))
            {
                unlink(prev, w);
                barriers++;
                sink.barrierSucceeded(w);
            }
            else
            {
                prev = w;
            }
            w = next;
        }
        if (inFlight == carriers.length || waitHead == null)
        {
            return;
        }
        // Issue one sync, once some waiting barrier's writes have all completed (never before: rule 2, rule 12),
        // and only for a barrier no sync in flight covers: so C has moved past the T of every sync in flight (rule 4).
        final long c = completed;
        prev = null;
        w = waitHead;
        // On an O_DSYNC file only forced barriers (a user's fsync) need a sync at all.
        while (w != null && !((naive || w.barrierSeq <= c) && !coveredInFlight(w) && (w.forcedSync || !syncWrites)))
        {
            prev = w;
            w = w.nextWaiter;
        }
        if (w == null)
        {
            return;
        }
        unlink(prev, w);
        final long snapshot = naive ? Math.max(c, w.barrierSeq) : c;
        boolean full = false;
        for (Slot x = waitHead; x != null; x = x.nextWaiter)
        {
            full |= x.barrierSeq <= snapshot && needsFull(x);
        }
        full |= needsFull(w);
        carriers[inFlight] = w;
        carrierSnapshots[inFlight] = snapshot;
        carrierFulls[inFlight] = full;
        carrierNos[inFlight] = syncs + 1;
        inFlight++;
        if (full)
        {
            sizeAtFullSync = maxEndCompleted;
        }
        w.carriesSync = true;
        w.request.op = full ? RequestOp.FSYNC : RequestOp.FDATASYNC;
        syncs++;
        if (listener != null)
        {
            listener.syncIssued(snapshot, full, w.forcedSync, System.nanoTime());
        }
        sink.issueSync(w);
    }

    private void unlink(final Slot prev, final Slot w)
    {
        final Slot next = w.nextWaiter;
        if (prev == null)
        {
            waitHead = next;
        }
        else
        {
            prev.nextWaiter = next;
        }
        if (waitTail == w)
        {
            waitTail = prev;
        }
        w.nextWaiter = null;
    }
}
