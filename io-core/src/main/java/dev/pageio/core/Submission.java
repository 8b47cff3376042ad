package dev.pageio.core;

import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

import java.nio.ByteBuffer;

/**
 * The one way a request enters a ring, from any thread: check the arguments against the file's and the ring's
 * rules, take a free {@link Slot} (waiting through {@link Backoff} up to {@link RingConfig#submitTimeoutNs()}),
 * fill it, publish it to the MPSC submission queue and wake the agent. The route is
 * {@code IoFile → Submission → MPSC queue → RingAgent}. No allocation, no lock.
 *
 * <p>It also holds the ring's closed flag: the ring is closed to submitters here, and the agent shuts down only
 * once every slot is free (see {@link #acquireOpen()}).
 */
final class Submission
{
    private final String ringName;
    private final String engineName;
    private final boolean directBuffersRequired;
    private final int maxSegments;
    private final int capacity;
    private final long submitTimeoutNs;
    private final MpmcVarHandleArrayQueue<Slot> freeSlots;
    private final MpscVarHandleArrayQueue<Slot> submissions;
    private final RingAgent agent;
    private final Progress progress;
    private final RingCounters counters;
    private final boolean latencyRecording;
    private volatile boolean closed;

    Submission(
        final RingConfig config,
        final String engineName,
        final boolean directBuffersRequired,
        final MpmcVarHandleArrayQueue<Slot> freeSlots,
        final MpscVarHandleArrayQueue<Slot> submissions,
        final RingAgent agent,
        final Progress progress,
        final RingCounters counters)
    {
        this.ringName = config.name();
        this.engineName = engineName;
        this.directBuffersRequired = directBuffersRequired;
        this.maxSegments = config.maxSegments();
        this.capacity = config.queueDepth();
        this.submitTimeoutNs = config.submitTimeoutNs();
        this.freeSlots = freeSlots;
        this.submissions = submissions;
        this.agent = agent;
        this.progress = progress;
        this.counters = counters;
        this.latencyRecording = config.latencyRecording();
    }

    boolean isClosed()
    {
        return closed;
    }

    /** Refuses every later submission (the agent is told separately). */
    void close()
    {
        closed = true;
    }

    void checkOpen()
    {
        if (closed)
        {
            throw new ClosedRingException("ring closed: ring=" + ringName + " engine=" + engineName);
        }
    }

    /**
     * Checks, fills and publishes a read, write, sync or nop: {@link #fill} then {@link #publish}.
     *
     * @return a write's sequence number in its file (BARRIER.md), 0 for other operations.
     */
    long submit(
        final FileState file,
        final IoOp op,
        final long fileOffset,
        final ByteBuffer buffer,
        final ByteBuffer[] buffers,
        final IoHandler<?> handler,
        final Object attachment,
        final long token)
    {
        final Slot slot = fill(file, op, fileOffset, buffer, buffers, handler, attachment, token);
        // Read before publishing: once published, the agent may complete the request and recycle the slot.
        final long seq = slot.writeSeq;
        publish(slot);
        return seq;
    }

    /**
     * Checks the arguments, takes a slot and fills it; the caller publishes it with {@link #publish} (after noting
     * the slot and its generation, for a cancel).
     *
     * @return the filled slot, owned by the caller until published.
     */
    @SuppressWarnings("unchecked")
    Slot fill(
        final FileState file,
        final IoOp op,
        final long fileOffset,
        final ByteBuffer buffer,
        final ByteBuffer[] buffers,
        final IoHandler<?> handler,
        final Object attachment,
        final long token)
    {
        final long length = check(file, op, fileOffset, buffer, buffers, handler);
        return fillSlot(acquireOpen(), file, op, fileOffset, length, buffer, buffers, handler, attachment, token);
    }

    /**
     * Checks a request's arguments against the file's and the ring's rules, touching nothing (a batch checks every
     * member this way before it takes any slot).
     *
     * @return the transfer's length (0 for other operations).
     */
    long check(
        final FileState file,
        final IoOp op,
        final long fileOffset,
        final ByteBuffer buffer,
        final ByteBuffer[] buffers,
        final IoHandler<?> handler)
    {
        checkOpen();
        file.checkOpen();
        if (handler == null)
        {
            throw new NullPointerException("handler null: op=" + op);
        }
        return op.transfersData() ? checkTransfer(file, op, fileOffset, buffer, buffers) : 0;
    }

    /**
     * Fills a slot taken by {@link #fill} or {@link #acquireAll} for a request {@link #check} passed. On failure
     * (the file closed meanwhile, the barrier window stayed full) the slot is given back and the exception thrown.
     */
    @SuppressWarnings("unchecked")
    Slot fillSlot(
        final Slot slot,
        final FileState file,
        final IoOp op,
        final long fileOffset,
        final long length,
        final ByteBuffer buffer,
        final ByteBuffer[] buffers,
        final IoHandler<?> handler,
        final Object attachment,
        final long token)
    {
        try
        {
            file.enter();
        }
        catch (final RuntimeException e)
        {
            release(slot);
            throw e;
        }
        if (op.writes())
        {
            try
            {
                slot.writeSeq = file.barriers.nextSeq();
            }
            catch (final RuntimeException e)
            {
                release(slot);
                file.exit();
                throw e;
            }
        }
        final Request r = slot.request;
        r.op = op.requestOp();
        r.file = file.access;
        r.fd = file.access.fd();
        r.fileOffset = fileOffset;
        r.length = length;
        slot.requestedOffset = fileOffset;
        slot.requestedLength = length;
        slot.transferred = 0;
        slot.file = file;
        slot.handler = (IoHandler<Object>)handler;
        slot.attachment = attachment;
        slot.token = token;
        if (op.vectored())
        {
            r.buffers = buffers;
            int n = 0;
            for (int i = 0; i < buffers.length; i++)
            {
                final int remaining = buffers[i].remaining();
                if (remaining > 0)
                {
                    r.segmentBuffers[n] = i;
                    r.segmentPositions[n] = buffers[i].position();
                    r.segmentLengths[n] = remaining;
                    n++;
                }
            }
            r.segmentCount = n;
        }
        else if (buffer != null)
        {
            r.buffer = buffer;
            r.bufferPosition = buffer.position();
        }
        else if (op.syncs())
        {
            // A user's sync is a forced barrier (docs/DURABILITY.md rule 11): it covers every write accepted
            // before this call, never a raw sync that races the writes in flight.
            r.op = RequestOp.BARRIER;
            slot.barrierSeq = file.barriers.lastSeq();
            slot.barrierMode = op == IoOp.FSYNC ? BarrierMode.FULL : BarrierMode.DATA;
            slot.forcedSync = true;
        }
        observe(slot, op);
        return slot;
    }

    /** The request's clocks start: its latency (when recorded) and its JFR event (when enabled). */
    private void observe(final Slot slot, final IoOp op)
    {
        if (latencyRecording)
        {
            slot.startNs = System.nanoTime();
        }
        final SlotEvents events = slot.events;
        if (events != null)
        {
            events.begin(op);
        }
    }

    /** Queues a barrier with coverage {@code seq} (taken by the caller: see group barriers). */
    @SuppressWarnings("unchecked")
    void submitBarrier(final FileState file, final BarrierMode mode, final long seq, final IoHandler<?> handler,
        final Object attachment, final long token, final boolean forClose)
    {
        checkOpen();
        if (handler == null || mode == null)
        {
            throw new NullPointerException("handler or mode null: op=BARRIER");
        }
        if (!forClose)
        {
            file.checkOpen();
        }
        final Slot slot = acquireOpen();
        try
        {
            if (forClose)
            {
                file.enterForClose();
            }
            else
            {
                file.enter();
            }
        }
        catch (final RuntimeException e)
        {
            release(slot);
            throw e;
        }
        slot.request.op = RequestOp.BARRIER;
        slot.request.file = file.access;
        slot.request.fd = file.access.fd();
        slot.file = file;
        slot.barrierSeq = seq;
        slot.barrierMode = mode;
        slot.handler = (IoHandler<Object>)handler;
        slot.attachment = attachment;
        slot.token = token;
        observe(slot, IoOp.BARRIER);
        publish(slot);
    }

    /** Hands a filled slot to the agent and wakes it if it sleeps in the kernel. */
    void publish(final Slot slot)
    {
        slot.setState(Slot.QUEUED);
        // The offer is the release that hands the slot's plain fields to the agent (its poll is the acquire).
        if (!submissions.offer(slot))
        {
            throw new IllegalStateException("submission queue refused a slot: a ring invariant is broken: " + slot);
        }
        agent.wakeIfSleeping();
    }

    /**
     * Takes {@code n} slots for a batch, all or none: waits up to the submit timeout for the last of them; when
     * they do not all come free in time (or the ring closes, or the thread is interrupted), gives back those taken
     * and throws, so that no member of the batch is queued. Then looks at {@link #closed} again, as
     * {@link #acquireOpen()} does.
     */
    Slot[] acquireAll(final int n)
    {
        final Slot[] taken = new Slot[n];
        int count = 0;
        try
        {
            long deadline = 0;
            int attempt = 0;
            while (count < n)
            {
                final Slot slot = freeSlots.poll();
                if (slot != null)
                {
                    taken[count++] = slot;
                    continue;
                }
                checkOpen();
                if (submitTimeoutNs == 0 || progress.onAgentThread())
                {
                    throw batchFull(n, count, "0");
                }
                if (deadline == 0)
                {
                    deadline = System.nanoTime() + submitTimeoutNs;
                }
                else if (System.nanoTime() - deadline >= 0)
                {
                    throw batchFull(n, count, submitTimeoutNs + " passed");
                }
                RingInterruptedException.check("free slots for a batch: batch=" + n + " ring=" + ringName);
                Backoff.idle(progress, attempt++, deadline);
            }
            checkOpen();
            return taken;
        }
        catch (final RuntimeException e)
        {
            for (int i = 0; i < count; i++)
            {
                release(taken[i]);
            }
            throw e;
        }
    }

    private QueueFullException batchFull(final int n, final int free, final String timeout)
    {
        return new QueueFullException("ring cannot take the whole batch: batch=" + n + " freeSlots=" + free +
            " queueDepth=" + capacity + " submitTimeoutNs=" + timeout + ": no member was queued: ring=" + ringName);
    }

    /** Gives back a slot taken by {@link #acquireAll} that was not filled. */
    void releaseUnfilled(final Slot slot)
    {
        release(slot);
    }

    /**
     * Takes a slot, then looks at {@link #closed} again. The agent shuts down only once every slot is free; the
     * ring sets closed before the agent counts. Holding a slot before this second look means either the agent
     * counts ours (and drains it), or we see closed and give it back: no request is published to a ring that has
     * stopped.
     */
    private Slot acquireOpen()
    {
        final Slot slot = acquire();
        if (closed)
        {
            release(slot);
            checkOpen();
        }
        return slot;
    }

    private Slot acquire()
    {
        Slot slot = freeSlots.poll();
        if (slot != null)
        {
            return slot;
        }
        if (submitTimeoutNs == 0)
        {
            refused();
            throw new QueueFullException("ring full: queueDepth=" + capacity + " submitTimeoutNs=0 ring=" + ringName);
        }
        if (progress.onAgentThread())
        {
            refused();
            throw new QueueFullException("ring full: queueDepth=" + capacity +
                " and the ring's own agent thread cannot wait for a slot: ring=" + ringName);
        }
        // the slow path: counted (atomically: submitters race here) and timed, the JFR event begun if enabled
        final long startNs = System.nanoTime();
        final Object event = JfrSupport.queueFullBegin();
        counters.addAtomic(RingCounters.QUEUE_FULL_WAITS, 1);
        final long deadline = startNs + submitTimeoutNs;
        int attempt = 0;
        while ((slot = freeSlots.poll()) == null)
        {
            if (closed)
            {
                waited(startNs, event, "CLOSED");
                checkOpen();
            }
            RingInterruptedException.check("a free slot (back-pressure): queueDepth=" + capacity + " ring=" + ringName);
            if (System.nanoTime() - deadline >= 0)
            {
                waited(startNs, event, "TIMED_OUT");
                counters.addAtomic(RingCounters.QUEUE_FULL_REJECTIONS, 1);
                throw new QueueFullException("ring full: queueDepth=" + capacity + " submitTimeoutNs=" +
                    submitTimeoutNs + " passed: ring=" + ringName);
            }
            Backoff.idle(progress, attempt++, deadline);
        }
        waited(startNs, event, "ACQUIRED");
        return slot;
    }

    /** A submitter refused at once (no wait allowed): counted, and a zero-length QueueFull event. */
    private void refused()
    {
        counters.addAtomic(RingCounters.QUEUE_FULL_REJECTIONS, 1);
        JfrSupport.queueFullEnd(JfrSupport.queueFullBegin(), ringName, engineName, capacity, "REFUSED");
    }

    /** A submitter's wait for a slot ended: its time counted, its event committed. */
    private void waited(final long startNs, final Object event, final String outcome)
    {
        counters.addAtomic(RingCounters.QUEUE_FULL_WAIT_NS, System.nanoTime() - startNs);
        JfrSupport.queueFullEnd(event, ringName, engineName, capacity, outcome);
    }

    /** @return slots taken by requests not yet completed (approximate while requests move). */
    int slotsInUse()
    {
        return capacity - freeSlots.size();
    }

    private void release(final Slot slot)
    {
        slot.clear();
        freeSlots.offer(slot);
    }

    /**
     * Validates a transfer's arguments against the rules of the file (alignment) and the ring (direct buffers,
     * segments).
     *
     * @return the total length.
     */
    private long checkTransfer(final FileState file, final IoOp op, final long fileOffset, final ByteBuffer buffer,
        final ByteBuffer[] buffers)
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
                checkBuffer(file, op, b, i);
                length += b.remaining();
            }
        }
        else
        {
            if (buffer == null)
            {
                throw new NullPointerException("buffer null: op=" + op);
            }
            checkBuffer(file, op, buffer, -1);
            length = buffer.remaining();
        }
        if (fileOffset > Long.MAX_VALUE - length)
        {
            throw new IllegalArgumentException("offset+length overflows: offset=" + fileOffset + " length=" + length);
        }
        final int offsetAlignment = file.offsetAlignment;
        if (offsetAlignment > 1 && fileOffset % offsetAlignment != 0)
        {
            throw new IllegalArgumentException("offset not aligned: offset=" + fileOffset + " alignment=" +
                offsetAlignment + " (O_DIRECT) path=" + file.pathText);
        }
        return length;
    }

    private void checkBuffer(final FileState file, final IoOp op, final ByteBuffer b, final int segment)
    {
        final String where = segment >= 0 ? " segment=" + segment : "";
        final int offsetAlignment = file.offsetAlignment;
        final int memoryAlignment = file.memoryAlignment;
        if (!op.writes() && b.isReadOnly())
        {
            throw new IllegalArgumentException("buffer read-only: a read needs a writable buffer: op=" + op + where);
        }
        if ((directBuffersRequired || offsetAlignment > 1) && !b.isDirect())
        {
            throw new IllegalArgumentException("buffer not direct: engine " + engineName +
                (offsetAlignment > 1 ? " and O_DIRECT need" : " needs") + " native memory: op=" + op + where);
        }
        if (offsetAlignment > 1)
        {
            final int length = b.remaining();
            if (length % offsetAlignment != 0)
            {
                throw new IllegalArgumentException("length not aligned: length=" + length + " alignment=" +
                    offsetAlignment + " (O_DIRECT) path=" + file.pathText + where);
            }
            if (memoryAlignment > 1 && b.alignmentOffset(b.position(), memoryAlignment) != 0)
            {
                throw new IllegalArgumentException("buffer address not aligned: misalignment=" +
                    b.alignmentOffset(b.position(), memoryAlignment) + " alignment=" + memoryAlignment +
                    " (O_DIRECT) path=" + file.pathText + where);
            }
        }
    }
}
