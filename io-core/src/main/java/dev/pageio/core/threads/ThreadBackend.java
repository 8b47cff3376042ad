package dev.pageio.core.threads;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.core.spi.RingBackend;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Worker-pool backend. The agent offers requests to a bounded MPMC work queue; workers run the blocking call
 * and post the request, its {@link Request#result} set, to an MPSC completion queue that the agent reaps. No
 * allocation per request.
 *
 * <p>Idle: workers start lazily (one more whenever {@link #submit} finds none idle, up to {@code workerThreads})
 * and park without a timeout when the work queue is empty, so an idle ring costs no CPU here.
 *
 * <p>Threading: prepare, submit, reap, cancel, await, close: the agent. wakeup: any thread. Workers: their own
 * loop. Cancel is decided by a CAS on the slot's worker state: QUEUED → CANCELED before a worker takes it, or
 * QUEUED → RUNNING by the worker, whichever comes first. A request canceled in the work queue completes at once
 * (the next reap); its entry stays in the queue and is dropped by the worker that polls it. If the slot is reused
 * meanwhile, the queue holds two entries for it: whichever a worker polls first runs the new request, and the
 * other is dropped, because only one CAS from QUEUED succeeds per preparation.
 */
final class ThreadBackend implements RingBackend
{
    private static final long CLOSE_JOIN_NS = TimeUnit.SECONDS.toNanos(5);
    private static final int W_QUEUED = 0;
    private static final int W_CANCELED = 1;
    private static final int W_RUNNING = 2;
    private static final int W_DONE = 3;
    private static final VarHandle AGENT_WOKEN;

    static
    {
        try
        {
            AGENT_WOKEN = MethodHandles.lookup().findVarHandle(ThreadBackend.class, "agentWoken", int.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MpmcVarHandleArrayQueue<Request> work;
    private final MpscVarHandleArrayQueue<Request> done;
    private final MpmcVarHandleArrayQueue<Worker> idleWorkers;
    private final AtomicIntegerArray workerState;
    private final Worker[] workers;
    private final Request[] cancelAnswers;
    private final int[] cancelResults;
    private int cancelAnswerCount;
    private int prepared;
    private int inFlight;
    private int startedWorkers;
    private volatile Thread agentWaiting;
    @SuppressWarnings("unused") // through AGENT_WOKEN
    private volatile int agentWoken;
    private volatile boolean closed;
    /** The outer backend's wakeup when nested ({@link ThreadEngine#openNested}), else null. */
    private final Runnable outerWakeup;

    ThreadBackend(final BackendConfig config)
    {
        this(config, null);
    }

    ThreadBackend(final BackendConfig config, final Runnable outerWakeup)
    {
        this.outerWakeup = outerWakeup;
        final int depth = Math.max(2, config.queueDepth());
        // twice the depth: an entry canceled in the queue stays there (a queue cannot remove it) until a worker drops it
        work = new MpmcVarHandleArrayQueue<>(2 * depth);
        done = new MpscVarHandleArrayQueue<>(depth);
        // room for a stale entry of each worker besides its live one
        idleWorkers = new MpmcVarHandleArrayQueue<>(Math.max(4, 2 * config.workerThreads()));
        workerState = new AtomicIntegerArray(config.queueDepth());
        cancelAnswers = new Request[config.queueDepth()];
        cancelResults = new int[config.queueDepth()];
        workers = new Worker[config.workerThreads()];
        for (int i = 0; i < workers.length; i++)
        {
            // started lazily, by submit(), when a request finds no idle worker: an idle ring has no thread here
            workers[i] = new Worker(config.name() + "-worker-" + i);
        }
    }

    /** @return workers started so far (agent's count): they start one by one as requests find none idle. */
    int startedWorkers()
    {
        return startedWorkers;
    }

    @Override
    public String name()
    {
        return ThreadEngine.NAME;
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

    /**
     * {@inheritDoc}
     *
     * <p>A request no worker could execute (no operation or file, a barrier, a transfer without its buffer)
     * completes at the next {@link #reap} with {@code -EINVAL}, as the SPI's bad-request rule says.
     */
    @Override
    public boolean prepare(final Request request)
    {
        if (!executable(request))
        {
            request.result = -Errno.EINVAL;
            workerState.set(request.index, W_DONE);
            inFlight++;
            done.offer(request);
            return true;
        }
        workerState.set(request.index, W_QUEUED);
        if (!work.offer(request))
        {
            return false;
        }
        prepared++;
        inFlight++;
        return true;
    }

    private static boolean executable(final Request r)
    {
        if (r.op == null || r.file == null || r.op == RequestOp.BARRIER)
        {
            return false;
        }
        if (!r.op.transfersData())
        {
            return true;
        }
        return r.op.vectored() ? r.buffers != null && r.segmentCount <= r.segmentLengths.length : r.buffer != null;
    }

    @Override
    public int submit()
    {
        final int n = prepared;
        prepared = 0;
        int woken = 0;
        while (woken < n)
        {
            final Worker idle = idleWorkers.poll();
            if (idle == null)
            {
                if (startedWorkers == workers.length)
                {
                    break;
                }
                // none idle: one more worker (it takes work before it ever parks)
                workers[startedWorkers++].thread.start();
                woken++;
                continue;
            }
            // a stale entry (the worker found work on its own after it registered) is skipped
            if (idle.state.compareAndSet(Worker.IDLE, Worker.WOKEN))
            {
                LockSupport.unpark(idle.thread);
                woken++;
            }
        }
        return n;
    }

    @Override
    public int reap(final CompletionSink sink)
    {
        int n = 0;
        final int answers = cancelAnswerCount;
        cancelAnswerCount = 0;
        for (int i = 0; i < answers; i++)
        {
            final Request r = cancelAnswers[i];
            cancelAnswers[i] = null;
            sink.cancelResult(r, cancelResults[i]);
            if (cancelResults[i] == 0)
            {
                // canceled before any worker took it: it completes here, now; the entry left in the work queue is
                // dropped by the worker that polls it (its CAS from W_QUEUED fails)
                inFlight--;
                n++;
                sink.complete(r, -Errno.ECANCELED);
            }
        }
        Request r;
        while ((r = done.relaxedPoll()) != null)
        {
            inFlight--;
            n++;
            sink.complete(r, r.result);
        }
        return n;
    }

    @Override
    public int inFlight()
    {
        return inFlight;
    }

    @Override
    public void await(final long timeoutNs)
    {
        agentWaiting = Thread.currentThread();
        if ((int)AGENT_WOKEN.getAndSet(this, 0) == 0 && done.isEmpty())
        {
            LockSupport.parkNanos(this, timeoutNs);
        }
        agentWaiting = null;
        AGENT_WOKEN.setVolatile(this, 0);
    }

    @Override
    public void wakeup()
    {
        AGENT_WOKEN.setVolatile(this, 1);
        final Thread t = agentWaiting;
        if (t != null)
        {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void cancel(final Request request)
    {
        // Won before a worker took it: the worker will post it with -ECANCELED. Else it is running: not canceled.
        final int result = workerState.compareAndSet(request.index, W_QUEUED, W_CANCELED) ? 0 : -Errno.EALREADY;
        cancelAnswers[cancelAnswerCount] = request;
        cancelResults[cancelAnswerCount++] = result;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final Worker worker : workers)
        {
            LockSupport.unpark(worker.thread);
        }
        // Bounded: a worker stuck in a blocking call (a hung NFS server, a FIFO) must not hang close for ever.
        // Workers are daemon threads; one still blocked is left behind and named to the caller.
        final long deadline = System.nanoTime() + CLOSE_JOIN_NS;
        boolean interrupted = false;
        for (final Worker w : workers)
        {
            final Thread worker = w.thread;
            while (worker.isAlive() && System.nanoTime() - deadline < 0)
            {
                try
                {
                    worker.join(100);
                    LockSupport.unpark(worker);
                }
                catch (final InterruptedException e)
                {
                    interrupted = true;
                }
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        for (final Worker w : workers)
        {
            if (w.thread.isAlive())
            {
                throw new IllegalStateException("thread engine closed with a worker still blocked in a call: worker=" +
                    w.thread.getName() + " (left behind as a daemon thread)");
            }
        }
    }

    /** One worker: its thread and whether it is parked waiting for work (so that a stale idle entry is skipped). */
    private final class Worker implements Runnable
    {
        static final int RUNNING = 0;
        static final int IDLE = 1;
        static final int WOKEN = 2;

        final Thread thread;
        final AtomicInteger state = new AtomicInteger();

        Worker(final String name)
        {
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run()
        {
            workerLoop(this);
        }
    }

    private void workerLoop(final Worker me)
    {
        int spins = 0;
        while (!closed)
        {
            final Request r = work.poll();
            if (r == null)
            {
                if (++spins < 64)
                {
                    Thread.onSpinWait();
                    continue;
                }
                spins = 0;
                me.state.set(Worker.IDLE);
                if (!idleWorkers.offer(me))
                {
                    // the idle list is full of stale entries (cannot happen with its 2x room): never park unfindable
                    me.state.set(Worker.RUNNING);
                    Thread.yield();
                    continue;
                }
                // Look again after registering: a submit that polled the idle list before we were on it would not
                // unpark us. Both sides order by a CAS (the idle list's offer here, the work queue's offer in
                // prepare), each before its load (work.isEmpty here, idleWorkers.poll in submit): one of the two
                // sees the other, so the untimed park below cannot miss work (issue 11 item 15: no timed polling;
                // the old 10 ms parkNanos cost 1.6 % of a core per idle ring). A spurious wakeup only loops.
                if (work.isEmpty() && !closed)
                {
                    LockSupport.park(this);
                }
                me.state.set(Worker.RUNNING);
                continue;
            }
            spins = 0;
            if (!workerState.compareAndSet(r.index, W_QUEUED, W_RUNNING))
            {
                // A stale entry: canceled (and completed by the agent), or the slot's request already taken by
                // another worker through an earlier entry of the same slot. Exactly one CAS wins per preparation.
                continue;
            }
            r.result = execute(r);
            workerState.set(r.index, W_DONE);
            done.offer(r);
            if (outerWakeup != null)
            {
                outerWakeup.run();
                continue;
            }
            final Thread agent = agentWaiting;
            if (agent != null)
            {
                AGENT_WOKEN.setVolatile(this, 1);
                LockSupport.unpark(agent);
            }
        }
    }

    private static long execute(final Request r)
    {
        final FileAccess file = r.file;
        if (!encodable(r))
        {
            // the bad-request rule of RingBackend.prepare: -EINVAL through the sink, nothing reaches the file
            return -Errno.EINVAL;
        }
        try
        {
            switch (r.op)
            {
                case READ:
                    return file.read(r.buffer, r.bufferPosition, (int)r.length, r.fileOffset);
                case WRITE:
                    return file.write(r.buffer, r.bufferPosition, (int)r.length, r.fileOffset);
                case READV:
                case WRITEV:
                    return vectored(r, file);
                case FSYNC:
                    file.sync(true);
                    return 0;
                case FDATASYNC:
                    file.sync(false);
                    return 0;
                case NOP:
                    return 0;
                default:
                    return -Errno.EINVAL;
            }
        }
        catch (final Exception e)
        {
            return -Errno.fromException(e);
        }
    }

    /** @return true when the request names an operation, a file offset &ge; 0 and buffer ranges inside buffers. */
    private static boolean encodable(final Request r)
    {
        if (r.op == null || r.fileOffset < 0 && r.op != RequestOp.FSYNC && r.op != RequestOp.FDATASYNC && r.op != RequestOp.NOP)
        {
            return false;
        }
        switch (r.op)
        {
            case READ:
            case WRITE:
                return inside(r.op, r.buffer, r.bufferPosition, r.length);
            case READV:
            case WRITEV:
                if (r.buffers == null || r.segmentCount < 1 || r.segmentCount > r.segmentBuffers.length)
                {
                    return false;
                }
                for (int i = 0; i < r.segmentCount; i++)
                {
                    final int b = r.segmentBuffers[i];
                    if (b < 0 || b >= r.buffers.length ||
                        !inside(r.op, r.buffers[b], r.segmentPositions[i], r.segmentLengths[i]))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    private static boolean inside(final RequestOp op, final ByteBuffer buffer, final int position, final long length)
    {
        return buffer != null && position >= 0 && length > 0 && length <= buffer.capacity() - (long)position &&
            !(buffer.isReadOnly() && !op.writes());
    }

    private static long vectored(final Request r, final FileAccess file) throws IOException
    {
        long total = 0;
        long offset = r.fileOffset;
        final boolean write = r.op.writes();
        for (int i = 0; i < r.segmentCount; i++)
        {
            final ByteBuffer b = r.buffers[r.segmentBuffers[i]];
            final int length = r.segmentLengths[i];
            final int n = write ? file.write(b, r.segmentPositions[i], length, offset) :
                file.read(b, r.segmentPositions[i], length, offset);
            total += n;
            offset += n;
            if (n < length)
            {
                break;
            }
        }
        return total;
    }
}
