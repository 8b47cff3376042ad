package dev.pageio.testing.sim;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.core.spi.RingBackend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;

/**
 * A deterministic device behind the ring: {@link #submit()} hands each prepared request to the device with a
 * seeded random delay in duty cycles (reap calls); {@link #reap} completes, in a seeded random order, those whose
 * delay has run out. So completions come out of order and syncs may be slow; with {@link #holdSyncs} they wait
 * until released. Writes are cut short at random (seeded) when {@link SimulatedSchedule#shortWritePercent} says
 * so, and {@link #prepare} refuses at random, as a full kernel ring would.
 *
 * <p>The bytes of a write are copied when it is submitted (as the kernel does), and land in the file's volatile
 * cache when it completes; see {@link SimulatedFile} for durability.
 *
 * <p>Threading: the ring agent, except {@link #wakeup()}, {@link #holdSyncs}, {@link #releaseSyncs()} and
 * {@link #cycles()} (any thread). Given the same seed and the same sequence of calls (a CALLER ring driven by one
 * thread), it behaves the same.
 */
public final class SimulatedBackend implements RingBackend
{
    private static final class Op
    {
        final Request request;
        final SimulatedFile file;
        final boolean sync;
        final long dueCycle;
        final int result;
        final byte[] data;
        final int snapshot;
        final long fileOffset;
        boolean released;

        Op(final Request request, final SimulatedFile file, final boolean sync, final long dueCycle, final int result,
            final byte[] data, final int snapshot, final long fileOffset)
        {
            this.request = request;
            this.file = file;
            this.sync = sync;
            this.dueCycle = dueCycle;
            this.result = result;
            this.data = data;
            this.snapshot = snapshot;
            this.fileOffset = fileOffset;
        }
    }

    private final SimulatedSchedule schedule;
    private final Random random;
    private final int capacity;
    private final List<Request> prepared = new ArrayList<>();
    private final List<Op> device = new ArrayList<>();
    private final List<Request> cancelAnswers = new ArrayList<>();
    private volatile long cycles;
    private volatile boolean holdSyncs;
    private volatile boolean woken;
    private volatile Thread agentWaiting;
    private boolean closed;

    SimulatedBackend(final BackendConfig config, final SimulatedSchedule schedule)
    {
        this.schedule = schedule;
        this.random = new Random(schedule.seed);
        this.capacity = config.queueDepth();
        this.holdSyncs = schedule.holdSyncs;
    }

    /** @return duty cycles (reap calls) so far: any thread. */
    public long cycles()
    {
        return cycles;
    }

    /** Keeps every sync in the device from now on until {@link #releaseSyncs()}: any thread. */
    public void holdSyncs()
    {
        holdSyncs = true;
    }

    /** Lets held syncs complete (at their due cycle): any thread. */
    public void releaseSyncs()
    {
        holdSyncs = false;
        wakeup();
    }

    /**
     * While syncs are held, lets one of them complete (at its due cycle): the one issued last, or first. So a test
     * chooses the order in which syncs in flight finish. Agent thread (a CALLER ring's driving thread).
     *
     * @param newest the sync issued last (true) or first (false).
     * @return true when a held sync was found.
     */
    public boolean releaseOneSync(final boolean newest)
    {
        Op pick = null;
        for (final Op op : device)
        {
            if (op.sync && !op.released && (pick == null || newest))
            {
                pick = op;
            }
        }
        if (pick == null)
        {
            return false;
        }
        pick.released = true;
        return true;
    }

    /** @return syncs in the device now. Agent thread (a CALLER ring's driving thread). */
    public int syncsInDevice()
    {
        int n = 0;
        for (final Op op : device)
        {
            n += op.sync ? 1 : 0;
        }
        return n;
    }

    @Override
    public String name()
    {
        return SimulatedEngine.NAME;
    }

    @Override
    public boolean requiresDirectBuffers()
    {
        return false;
    }

    @Override
    public boolean requiresDescriptor()
    {
        return false;
    }

    @Override
    public boolean prepare(final Request request)
    {
        if (closed)
        {
            throw new IllegalStateException("simulated backend closed");
        }
        if (!(request.file instanceof SimulatedFile))
        {
            throw new IllegalArgumentException("the simulated device serves only SimulatedFile: file=" + request.file);
        }
        final int inDevice = device.size() + prepared.size();
        if (inDevice >= capacity || (inDevice > 0 && random.nextInt(100) < schedule.refusePercent))
        {
            return false;
        }
        prepared.add(request);
        return true;
    }

    @Override
    public int submit()
    {
        final int n = prepared.size();
        for (final Request r : prepared)
        {
            device.add(issue(r));
        }
        prepared.clear();
        return n;
    }

    private Op issue(final Request r)
    {
        final SimulatedFile file = (SimulatedFile)r.file;
        final long due = cycles + 1 + random.nextInt(schedule.maxWriteDelayCycles);
        if (!encodable(r))
        {
            // the bad-request rule of RingBackend.prepare: -EINVAL through the sink
            return new Op(r, file, false, due, -Errno.EINVAL, null, 0, 0);
        }
        switch (r.op)
        {
            case WRITE:
            case WRITEV:
            {
                int n = (int)r.length;
                if (n > SimulatedFile.SECTOR && random.nextInt(100) < schedule.shortWritePercent)
                {
                    n = SimulatedFile.SECTOR * (1 + random.nextInt(n / SimulatedFile.SECTOR - 1));
                }
                final byte[] data = copy(r, n);
                final int result = file.startWrite(r.fileOffset, n);
                return new Op(r, file, false, due, result, data, 0, r.fileOffset);
            }
            case READ:
                return new Op(r, file, false, due, 0, null, 0, r.fileOffset);
            case FSYNC:
            case FDATASYNC:
            {
                // The snapshot is taken now, at issue: the sync covers what the device completed so far.
                final int snapshot = file.issueSync(r.op);
                final long syncDue = cycles + 1 + random.nextInt(schedule.maxSyncDelayCycles);
                return new Op(r, file, true, syncDue, 0, null, snapshot, 0);
            }
            default:
                return new Op(r, file, false, due, -Errno.EINVAL, null, 0, 0);
        }
    }

    private static boolean encodable(final Request r)
    {
        if (r.op == null || r.op.syncs() || r.op == RequestOp.NOP)
        {
            return r.op != null;
        }
        if (r.fileOffset < 0)
        {
            return false;
        }
        if (!r.op.vectored())
        {
            return r.buffer != null && r.bufferPosition >= 0 && r.length > 0 &&
                r.length <= r.buffer.capacity() - (long)r.bufferPosition;
        }
        if (r.buffers == null || r.segmentCount < 1)
        {
            return false;
        }
        for (int i = 0; i < r.segmentCount; i++)
        {
            final int b = r.segmentBuffers[i];
            if (b < 0 || b >= r.buffers.length || r.buffers[b] == null || r.segmentPositions[i] < 0 ||
                r.segmentLengths[i] > r.buffers[b].capacity() - (long)r.segmentPositions[i])
            {
                return false;
            }
        }
        return true;
    }

    private static byte[] copy(final Request r, final int n)
    {
        final byte[] data = new byte[n];
        if (r.op == RequestOp.WRITE)
        {
            for (int i = 0; i < n; i++)
            {
                data[i] = r.buffer.get(r.bufferPosition + i);
            }
            return data;
        }
        int at = 0;
        for (int s = 0; s < r.segmentCount && at < n; s++)
        {
            final ByteBuffer b = r.buffers[r.segmentBuffers[s]];
            for (int i = 0; i < r.segmentLengths[s] && at < n; i++)
            {
                data[at++] = b.get(r.segmentPositions[s] + i);
            }
        }
        return data;
    }

    @Override
    public int reap(final CompletionSink sink)
    {
        final long now = ++cycles;
        for (final Request r : cancelAnswers)
        {
            sink.cancelResult(r, -Errno.EALREADY);
        }
        final int answers = cancelAnswers.size();
        cancelAnswers.clear();
        final List<Op> due = new ArrayList<>();
        final boolean hold = holdSyncs;
        for (int i = device.size() - 1; i >= 0; i--)
        {
            final Op op = device.get(i);
            if (op.dueCycle <= now && !(op.sync && hold && !op.released))
            {
                due.add(op);
                device.remove(i);
            }
        }
        Collections.shuffle(due, random);
        for (final Op op : due)
        {
            sink.complete(op.request, complete(op));
        }
        return due.size() + answers;
    }

    private long complete(final Op op)
    {
        if (op.sync)
        {
            return op.file.completeSync(op.snapshot);
        }
        if (op.result < 0 && op.data == null)
        {
            return op.result;
        }
        if (op.request.op == RequestOp.READ)
        {
            final byte[] data = new byte[(int)op.request.length];
            final int n = op.file.readCurrent(op.fileOffset, data);
            for (int i = 0; i < n; i++)
            {
                op.request.buffer.put(op.request.bufferPosition + i, data[i]);
            }
            return n;
        }
        if (op.data == null)
        {
            return op.result;
        }
        op.file.completeWrite(op.fileOffset, op.data, op.result);
        return op.result;
    }

    @Override
    public int inFlight()
    {
        return device.size() + prepared.size();
    }

    @Override
    public void await(final long timeoutNs)
    {
        agentWaiting = Thread.currentThread();
        boolean park = !woken;
        if (park)
        {
            // Device time runs in duty cycles: anything that can complete means "come back at once".
            final boolean hold = holdSyncs;
            for (final Op op : device)
            {
                if (!(op.sync && hold && !op.released))
                {
                    park = false;
                    break;
                }
            }
        }
        if (park)
        {
            LockSupport.parkNanos(this, timeoutNs);
        }
        agentWaiting = null;
        woken = false;
    }

    @Override
    public void wakeup()
    {
        woken = true;
        final Thread t = agentWaiting;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void cancel(final Request request)
    {
        // The device cannot stop what it was given: the request completes normally.
        cancelAnswers.add(request);
    }

    @Override
    public void close()
    {
        closed = true;
    }
}
