package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A ring: one engine context (io_uring instance, aio context, worker pool) driven by one agent, with a
 * preallocated table of request slots and a lock-free MPSC submission queue that any thread may use.
 *
 * <pre>{@code
 * try (IoRing ring = IoRing.open(RingConfig.defaults());
 *      IoFile file = ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE))
 * {
 *     file.write(0, page, handler, attachment, 0L);   // any thread, no allocation
 * }
 * }</pre>
 *
 * <p>Threading: {@code open}, {@code adopt}, {@code submit*}, {@code cancel}, {@code close}: any thread.
 * {@link #poll()}: the one thread driving a {@link RingConfig.ThreadMode#CALLER} ring. Completion handlers run
 * on the agent.
 */
public final class IoRing implements AutoCloseable
{
    private static final long AWAIT_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private final RingConfig config;
    private final EngineSelection selection;
    private final RingBackend backend;
    private final RingAgent agent;
    private final Request[] slots;
    private final MpmcVarHandleArrayQueue<Request> freeSlots;
    private final MpscVarHandleArrayQueue<Request> submissions;
    private final MpscUnboundedVarHandleArrayQueue<Runnable> control;
    private final Set<IoFile> files = ConcurrentHashMap.newKeySet();
    private final Thread agentThread;
    private final AtomicInteger pollers = new AtomicInteger();
    private volatile Thread pollingThread;
    private volatile boolean closed;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private IoRing(final RingConfig config, final EngineSelection selection, final RingBackend backend)
    {
        this.config = config;
        this.selection = selection;
        this.backend = backend;
        final int depth = config.queueDepth();
        this.slots = new Request[depth];
        this.freeSlots = new MpmcVarHandleArrayQueue<>(Math.max(2, depth));
        this.submissions = new MpscVarHandleArrayQueue<>(Math.max(2, depth));
        this.control = new MpscUnboundedVarHandleArrayQueue<>(64);
        for (int i = 0; i < depth; i++)
        {
            slots[i] = new Request(i, config.maxSegments());
            slots[i].clear();
            freeSlots.offer(slots[i]);
        }
        this.agent = new RingAgent(this, config, backend, submissions, control, freeSlots, slots);
        if (config.threadMode() == RingConfig.ThreadMode.DEDICATED)
        {
            agentThread = new Thread(agent::run, config.name() + "-" + backend.name());
            agentThread.setDaemon(true);
            agentThread.start();
        }
        else
        {
            agentThread = null;
        }
    }

    /**
     * Opens a ring on the engine the configuration names, or the best available one ({@code "auto"}); where a
     * better engine is available but refuses to open (e.g. memlock limits), the next one is tried and the reason
     * kept in {@link #selection()}.
     *
     * @param config the configuration.
     * @return the ring, running.
     * @throws IOException when no engine could open.
     */
    public static IoRing open(final RingConfig config) throws IOException
    {
        EngineSelection selection = Engines.select(config.engine());
        final Map<String, String> refused = new LinkedHashMap<>(selection.refused());
        IoEngine engine = selection.engine();
        while (true)
        {
            try
            {
                final RingBackend backend = engine.openBackend(config);
                return new IoRing(config, new EngineSelection(engine, refused), backend);
            }
            catch (final IOException | RuntimeException e)
            {
                if (!Engines.AUTO.equals(config.engine()))
                {
                    throw e;
                }
                engine = Engines.next(engine, String.valueOf(e.getMessage()), refused);
                if (engine == null)
                {
                    throw new IOException("no engine could open a ring: refused=" + refused, e);
                }
            }
        }
    }

    /** @return the configuration. */
    public RingConfig config()
    {
        return config;
    }

    /** @return the engine in use and why better ones were refused. */
    public EngineSelection selection()
    {
        return selection;
    }

    /** @return the engine's name. */
    public String engineName()
    {
        return backend.name();
    }

    /** @return the backend (engine-specific statistics and features; not for submitting). */
    public RingBackend backend()
    {
        return backend;
    }

    /** @return the most requests outstanding at once. */
    public int capacity()
    {
        return slots.length;
    }

    /** @return true once {@link #close()} was called. */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Opens a file the way the ring's engine needs it (a descriptor for the kernel engines).
     *
     * @param path    the file.
     * @param options {@link StandardOpenOption}s; READ when none is given.
     * @return the open file.
     * @throws IOException as the operating system reported it.
     */
    public IoFile open(final Path path, final OpenOption... options) throws IOException
    {
        checkOpen();
        final Set<OpenOption> set = new HashSet<>(Arrays.asList(options));
        if (set.isEmpty())
        {
            set.add(StandardOpenOption.READ);
        }
        return adopt(selection.engine().openFile(path, set));
    }

    /**
     * Puts a file opened elsewhere (an O_DIRECT file of pagecache-bypass) on this ring. The ring owns it from
     * now on and closes it when the file or the ring is closed.
     *
     * @param access the open file.
     * @return the file on this ring.
     * @throws IllegalArgumentException when the engine needs a descriptor and the file has none, or refuses the
     *                                  file (kernel AIO: a file not opened O_DIRECT).
     */
    public IoFile adopt(final FileAccess access)
    {
        checkOpen();
        if (backend.requiresDescriptor() && access.fd() < 0)
        {
            throw new IllegalArgumentException("file has no descriptor: engine " + backend.name() +
                " needs one: path=" + access.path() + " access=" + access.getClass().getSimpleName());
        }
        selection.engine().checkFile(access);
        final IoFile file = new IoFile(this, access);
        files.add(file);
        if (closed)
        {
            files.remove(file);
            file.closeAsync();
            throw new ClosedRingException("ring closed: ring=" + config.name());
        }
        return file;
    }

    void forget(final IoFile file)
    {
        files.remove(file);
    }

    // -------------------------------------------------------------------------------------------- submitting

    private void checkOpen()
    {
        if (closed)
        {
            throw new ClosedRingException("ring closed: ring=" + config.name() + " engine=" + backend.name());
        }
    }

    /** The one path by which every request enters the ring. */
    @SuppressWarnings("unchecked")
    void submit(
        final IoFile file,
        final IoOp op,
        final long fileOffset,
        final ByteBuffer buffer,
        final ByteBuffer[] buffers,
        final IoHandler<?> handler,
        final Object attachment,
        final long token,
        final IoRequest control)
    {
        checkOpen();
        file.checkOpen();
        if (handler == null)
        {
            throw new NullPointerException("handler null: op=" + op);
        }
        long length = 0;
        if (op.transfersData())
        {
            length = file.checkTransfer(op, fileOffset, buffer, buffers, backend.requiresDirectBuffers(),
                config.maxSegments());
        }
        final Request r = acquireOpen();
        try
        {
            file.enter();
        }
        catch (final RuntimeException e)
        {
            release(r);
            throw e;
        }
        if (op.writes())
        {
            try
            {
                r.writeSeq = file.barriers.nextSeq();
            }
            catch (final RuntimeException e)
            {
                release(r);
                file.exit();
                throw e;
            }
        }
        r.op = op;
        r.file = file.access();
        r.fd = file.access().fd();
        r.fileOffset = fileOffset;
        r.requestedOffset = fileOffset;
        r.length = length;
        r.requestedLength = length;
        r.transferred = 0;
        r.owner = file;
        r.handler = (IoHandler<Object>)handler;
        r.attachment = attachment;
        r.token = token;
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
        if (control != null)
        {
            control.slot = r;
            control.slotGeneration = r.generation();
        }
        publish(r);
    }

    /** Queues a barrier with coverage {@code seq} (taken by the caller: see group barriers). */
    @SuppressWarnings("unchecked")
    void submitBarrier(final IoFile file, final BarrierMode mode, final long seq, final IoHandler<?> handler,
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
        final Request r = acquireOpen();
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
            release(r);
            throw e;
        }
        r.op = IoOp.BARRIER;
        r.file = file.access();
        r.fd = file.access().fd();
        r.owner = file;
        r.barrierSeq = seq;
        r.barrierMode = mode.ordinal();
        r.handler = (IoHandler<Object>)handler;
        r.attachment = attachment;
        r.token = token;
        publish(r);
    }

    /**
     * A group barrier (docs/DURABILITY.md rule 8): snapshots every file's coverage first, then succeeds iff each file's
     * barrier does.
     *
     * @param mode  the barriers' mode.
     * @param files files on this ring.
     * @return completes when all have succeeded; fails with the first failure.
     */
    public CompletableFuture<Void> barrier(final BarrierMode mode, final IoFile... files)
    {
        final long[] seqs = new long[files.length];
        for (int i = 0; i < files.length; i++)
        {
            if (files[i].ring() != this)
            {
                throw new IllegalArgumentException("file is on another ring: file=" + files[i]);
            }
            seqs[i] = files[i].barriers.lastSeq();
        }
        final CompletableFuture<?>[] each = new CompletableFuture<?>[files.length];
        for (int i = 0; i < files.length; i++)
        {
            final CompletableFuture<Long> f = new CompletableFuture<>();
            submitBarrier(files[i], mode, seqs[i], IoFile.FutureHandler.INSTANCE, f, 0, false);
            each[i] = f;
        }
        return CompletableFuture.allOf(each);
    }

    List<IoFile> openFiles()
    {
        return List.copyOf(files);
    }

    private void publish(final Request r)
    {
        r.setState(Request.QUEUED);
        // The offer is the release that hands the slot's plain fields to the agent (its poll is the acquire).
        if (!submissions.offer(r))
        {
            throw new IllegalStateException("submission queue refused a slot: a ring invariant is broken: " + r);
        }
        agent.wakeIfSleeping();
    }

    /**
     * Takes a slot, then looks at {@link #closed} again. The agent shuts down only once every slot is free; it
     * sets closed before it counts. Holding a slot before this second look means either the agent counts ours
     * (and drains it), or we see closed and give it back: no request is published to a ring that has stopped.
     */
    private Request acquireOpen()
    {
        final Request r = acquire();
        if (closed)
        {
            release(r);
            checkOpen();
        }
        return r;
    }

    private Request acquire()
    {
        Request r = freeSlots.poll();
        if (r != null)
        {
            return r;
        }
        final long timeoutNs = config.submitTimeoutNs();
        if (timeoutNs == 0)
        {
            throw new QueueFullException("ring full: queueDepth=" + slots.length + " submitTimeoutNs=0 ring=" + config.name());
        }
        if (onAgentThread())
        {
            throw new QueueFullException("ring full: queueDepth=" + slots.length +
                " and the ring's own agent thread cannot wait for a slot: ring=" + config.name());
        }
        final long deadline = System.nanoTime() + timeoutNs;
        int spins = 0;
        while ((r = freeSlots.poll()) == null)
        {
            checkOpen();
            if (System.nanoTime() - deadline >= 0)
            {
                throw new QueueFullException("ring full: queueDepth=" + slots.length + " submitTimeoutNs=" +
                    timeoutNs + " passed: ring=" + config.name());
            }
            if (++spins < 100)
            {
                Thread.onSpinWait();
            }
            else if (!helpProgress())
            {
                LockSupport.parkNanos(10_000);
            }
        }
        return r;
    }

    private void release(final Request r)
    {
        r.clear();
        freeSlots.offer(r);
    }

    /**
     * Submits a described request.
     *
     * @param request the request.
     */
    public void submit(final IoRequest request)
    {
        request.begin(null);
        submitDescribed(request);
    }

    private void submitDescribed(final IoRequest request)
    {
        try
        {
            if (request.file.ring() != this)
            {
                throw new IllegalArgumentException("request's file is on another ring: file=" + request.file);
            }
            submit(request.file, request.op, request.fileOffset, request.buffer, request.buffers,
                IoRequest.HANDLER, request, 0, request);
        }
        catch (final RuntimeException e)
        {
            request.abort();
            throw e;
        }
    }

    /**
     * Submits several requests together ({@code lio_listio}): they are queued back to back, so the agent hands
     * them to the kernel in one batch. Every request is checked before any is queued.
     *
     * @param mode     WAIT returns once all have completed; NOWAIT returns at once.
     * @param requests the requests; each reports its own result.
     * @return completes when every request is done (already done for WAIT).
     * @throws IllegalArgumentException when the batch is larger than the ring's queue depth.
     */
    public CompletableFuture<Void> submitBatch(final BatchMode mode, final IoRequest... requests)
    {
        checkOpen();
        if (requests.length > slots.length)
        {
            throw new IllegalArgumentException("batch larger than the ring: batch=" + requests.length +
                " queueDepth=" + slots.length);
        }
        if (mode == BatchMode.WAIT && onAgentThread())
        {
            throw new IllegalStateException("a WAIT batch cannot be submitted from the ring's own agent thread");
        }
        for (final IoRequest request : requests)
        {
            if (request.op == null || request.file == null)
            {
                throw new IllegalArgumentException("batch holds a request with no operation described: request=" + request);
            }
            if (request.status() == IoStatus.IN_PROGRESS)
            {
                throw new IllegalStateException("batch holds a request in progress: request=" + request);
            }
        }
        final Batch batch = new Batch(requests.length);
        int submitted = 0;
        try
        {
            for (final IoRequest request : requests)
            {
                request.begin(batch);
                submitDescribed(request);
                submitted++;
            }
        }
        catch (final RuntimeException e)
        {
            // The ones already queued complete on their own; the batch reports the refusal.
            for (int i = submitted; i < requests.length; i++)
            {
                batch.onDone();
            }
            throw e;
        }
        if (mode == BatchMode.WAIT)
        {
            awaitFuture(batch.future, "batch of " + requests.length);
        }
        return batch.future;
    }

    /** Counts the requests of a batch down to its one completion. */
    static final class Batch
    {
        final AtomicInteger remaining;
        final CompletableFuture<Void> future = new CompletableFuture<>();

        Batch(final int size)
        {
            remaining = new AtomicInteger(size);
            if (size == 0)
            {
                future.complete(null);
            }
        }

        void onDone()
        {
            if (remaining.decrementAndGet() == 0)
            {
                future.complete(null);
            }
        }
    }

    CompletableFuture<CancelOutcome> cancel(final IoRequest request)
    {
        final Request slot = request.slot;
        final long generation = request.slotGeneration;
        if (slot == null || request.isDone())
        {
            return CompletableFuture.completedFuture(CancelOutcome.ALREADY_DONE);
        }
        final CompletableFuture<CancelOutcome> answer = new CompletableFuture<>();
        if (closed && terminated.isDone())
        {
            answer.complete(CancelOutcome.ALREADY_DONE);
            return answer;
        }
        control.offer(() -> agent.cancel(slot, generation, answer));
        agent.wakeIfSleeping();
        return answer;
    }

    /**
     * Runs {@code action} on the ring's agent, the one thread that may touch the backend: for engine-specific
     * setup such as io_uring's registered buffers and files. Not for the hot path.
     *
     * @param action what to do with the backend.
     * @param <T>    its result's type.
     * @return completes with the action's result (on the agent; in CALLER mode, during a poll).
     */
    public <T> CompletableFuture<T> onAgent(final java.util.function.Function<RingBackend, T> action)
    {
        checkOpen();
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Runnable command = () ->
        {
            try
            {
                result.complete(action.apply(backend));
            }
            catch (final RuntimeException e)
            {
                result.completeExceptionally(e);
            }
        };
        if (onAgentThread())
        {
            command.run();
            return result;
        }
        control.offer(command);
        agent.wakeIfSleeping();
        return result;
    }

    // ------------------------------------------------------------------------------------------------ driving

    /**
     * Holds new requests in the ring's queue (they stay in progress and cancelable) until {@link #resume()}.
     * Useful to build a batch from many threads, and for tests.
     */
    public void pause()
    {
        agent.paused = true;
    }

    /** Lets held requests go to the kernel. */
    public void resume()
    {
        agent.paused = false;
        agent.wakeIfSleeping();
    }

    /**
     * One duty cycle, for a {@link RingConfig.ThreadMode#CALLER} ring: submit what is queued, reap what has
     * completed and run the handlers. Never blocks.
     *
     * @return the work done (0: nothing to do).
     * @throws IllegalStateException on a ring with its own agent thread, or when another thread is polling.
     */
    public int poll()
    {
        if (agentThread != null)
        {
            throw new IllegalStateException("ring has a dedicated agent thread: poll() is for ThreadMode.CALLER rings");
        }
        if (!pollers.compareAndSet(0, 1))
        {
            throw new IllegalStateException("another thread is polling this ring: ring=" + config.name());
        }
        try
        {
            pollingThread = Thread.currentThread();
            if (terminated.isDone())
            {
                return 0;
            }
            return agent.doWork();
        }
        finally
        {
            pollingThread = null;
            pollers.set(0);
        }
    }

    /**
     * Called by threads that wait (for a slot, a request, a close): on a CALLER ring that nobody is polling now,
     * drives one duty cycle so that waiting makes progress.
     *
     * @return true when it did work.
     */
    boolean helpProgress()
    {
        if (agentThread == null && !terminated.isDone() && pollers.compareAndSet(0, 1))
        {
            try
            {
                pollingThread = Thread.currentThread();
                return agent.doWork() > 0;
            }
            finally
            {
                pollingThread = null;
                pollers.set(0);
            }
        }
        return false;
    }

    boolean onAgentThread()
    {
        final Thread t = Thread.currentThread();
        return t == agentThread || t == pollingThread;
    }

    void awaitFuture(final CompletableFuture<?> future, final String what)
    {
        if (future.isDone())
        {
            join(future, what);
            return;
        }
        if (onAgentThread())
        {
            throw new IllegalStateException("cannot wait on the ring's own agent thread (it would wait for itself): " + what);
        }
        while (!future.isDone())
        {
            if (!helpProgress())
            {
                try
                {
                    future.get(agentThread != null ? AWAIT_SLICE_NS : 100_000, TimeUnit.NANOSECONDS);
                }
                catch (final TimeoutException | ExecutionException ignore)
                {
                    // loop: done or not yet
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting: " + what, e);
                }
            }
        }
        join(future, what);
    }

    private static void join(final CompletableFuture<?> future, final String what)
    {
        try
        {
            future.get();
        }
        catch (final ExecutionException e)
        {
            final Throwable cause = e.getCause();
            if (cause instanceof RuntimeException)
            {
                throw (RuntimeException)cause;
            }
            throw new IllegalStateException(what + " failed: " + cause, cause);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * Closes the ring: refuses new requests, fails every request still queued with ECANCELED, cancels or waits
     * for those in the kernel, closes every file still open on it, and frees the engine's native resources.
     * Idempotent; waits until done (except on the agent thread itself, where it only starts the close).
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            agent.closing = true;
            agent.wakeIfSleeping();
        }
        if (onAgentThread())
        {
            return;
        }
        if (agentThread == null)
        {
            final long deadline = System.nanoTime() + CLOSE_TIMEOUT_NS;
            while (!terminated.isDone())
            {
                if (!helpProgress())
                {
                    LockSupport.parkNanos(100_000);
                }
                if (System.nanoTime() - deadline > 0 && pollers.get() == 0)
                {
                    agent.terminate("close timed out");
                }
            }
        }
        else
        {
            boolean interrupted = false;
            while (agentThread.isAlive())
            {
                try
                {
                    agentThread.join();
                }
                catch (final InterruptedException e)
                {
                    interrupted = true;
                }
            }
            if (interrupted)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return completes when the ring has shut down and freed its resources. */
    public CompletableFuture<Void> terminated()
    {
        return terminated;
    }

    /** Agent's last step: close what is left. */
    void onTerminated()
    {
        for (final IoFile file : List.copyOf(files))
        {
            file.closeAsync();
        }
        files.clear();
        terminated.complete(null);
    }

    int slotsInUse()
    {
        return slots.length - freeSlots.size();
    }

    @Override
    public String toString()
    {
        return "IoRing{name=" + config.name() + " engine=" + backend.name() + " queueDepth=" + slots.length +
            " closed=" + closed + "}";
    }
}
