package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;
import org.HdrHistogram.Histogram;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

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
    private final RingConfig config;
    private final EngineSelection selection;
    private final RingBackend backend;
    private final BarrierPolicy barrierPolicy;
    private final int capacity;
    private final RingDriver driver;
    private final RingAgent agent;
    private final Submission submission;
    private final RingCounters counters = new RingCounters();
    private final LatencyRecorder latency;
    private volatile RingMXBeans.Registration mbean;
    private final Slot[] slots;
    private boolean eventsEnabled;
    private final RingFiles files = new RingFiles();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final AtomicBoolean closeStarted = new AtomicBoolean();

    private IoRing(final RingConfig config, final EngineSelection selection, final RingBackend backend,
        final BarrierPolicy barrierPolicy)
    {
        this.config = config;
        this.selection = selection;
        this.backend = backend;
        this.barrierPolicy = barrierPolicy;
        final int depth = config.queueDepth();
        this.capacity = depth;
        this.slots = new Slot[depth];
        final MpmcVarHandleArrayQueue<Slot> freeSlots = new MpmcVarHandleArrayQueue<>(Math.max(2, depth));
        final MpscVarHandleArrayQueue<Slot> submissions = new MpscVarHandleArrayQueue<>(Math.max(2, depth));
        for (int i = 0; i < depth; i++)
        {
            slots[i] = new Slot(i, config.maxSegments());
            freeSlots.offer(slots[i]);
        }
        this.latency = config.latencyRecording() ? new LatencyRecorder() : null;
        final RingAgent agent = new RingAgent(config, backend, slots, submissions, freeSlots, files.states(), this::onTerminated,
            counters, latency, this::onAgentFailed);
        this.agent = agent;
        this.driver = new RingDriver(config, agent, terminated);
        this.submission = new Submission(config, backend.name(), backend.requiresDirectBuffers(), freeSlots, submissions,
            agent, driver, counters);
        // the classes of the waits, loaded here rather than by the first (maybe virtual) thread that waits
        Backoff.load();
        driver.start();
        JfrSupport.ringOpened(this);
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
                final RingBackend backend = engine.openBackend(config.backendConfig());
                return new IoRing(config, new EngineSelection(engine, refused), backend, BarrierPolicy.STRICT);
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

    /**
     * Opens a ring on the given engine instance, whatever the configuration's {@code engine} names and whether or
     * not the engine is registered with {@link java.util.ServiceLoader}: for an engine built by the caller (a
     * simulated device in tests, an engine with its own settings). No fallback: if the engine refuses, this fails.
     *
     * @param config the configuration (its {@code engine} name is not used).
     * @param engine the engine.
     * @return the ring, running.
     * @throws IOException when the engine could not open a context.
     */
    public static IoRing open(final RingConfig config, final IoEngine engine) throws IOException
    {
        return open(config, engine, BarrierPolicy.STRICT);
    }

    /** {@link #open(RingConfig, IoEngine)} with a barrier policy: for the tests that prove the detectors. */
    static IoRing open(final RingConfig config, final IoEngine engine, final BarrierPolicy barrierPolicy)
        throws IOException
    {
        Objects.requireNonNull(engine, "engine");
        return new IoRing(config, new EngineSelection(engine, Map.of()), engine.openBackend(config.backendConfig()), barrierPolicy);
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

    /**
     * A snapshot of the ring's counters: requests by operation, bytes, system calls, batches, queue-full waits,
     * agent sleeps, barrier syncs (see {@link RingStats}). Any thread, any time (also after close); allocates the
     * snapshot, reads counters the agent writes without stopping it.
     *
     * @return the counters now.
     */
    public RingStats stats()
    {
        // the backend's counters are agent-thread longs read here without ordering (monitoring); -1: not counted
        final long submitCalls = Math.max(0, backend.submitCalls());
        final long systemCalls = backend.systemCalls();
        return RingStats.of(config.name(), backend.name(), counters, submitCalls,
            systemCalls < 0 ? 0 : Math.max(0, systemCalls - submitCalls));
    }

    /**
     * Every latency of one operation recorded so far, from the submitting call to the completion on the agent, in
     * nanoseconds (within 1 %). Needs {@link RingConfig#latencyRecording()}.
     *
     * @param op an operation ({@link IoOp#BARRIER}: from the barrier's submission until it succeeded or failed).
     * @return a copy, the caller's to keep.
     * @throws IllegalStateException when the ring does not record latencies.
     */
    public Histogram latency(final IoOp op)
    {
        Objects.requireNonNull(op, "op");
        if (latency == null)
        {
            throw new IllegalStateException("latency recording off: ring=" + config.name() +
                " (RingConfig.Builder.latencyRecording(true) turns it on)");
        }
        return latency.snapshot(op);
    }

    /**
     * Publishes the ring's {@link #stats()} as a JMX MBean on the platform MBean server, named
     * {@code dev.pageio:type=Ring,name=<ring name>} (the name quoted when it holds a character JMX reserves),
     * until the ring closes. Idempotent.
     *
     * @return the MBean's object name.
     * @throws IllegalStateException when another MBean has that name (two open rings of the same name), or the
     *                               {@code java.management} module is absent.
     */
    public synchronized String registerMBean()
    {
        checkOpen();
        if (mbean == null)
        {
            mbean = RingMXBeans.register(this);
        }
        return mbean.name();
    }

    /**
     * Gives every slot its JFR events, once: called by {@link JfrSupport} when JDK Flight Recorder is initialized
     * in this JVM (at this ring's opening if it already was). Until then a request costs no JFR check at all.
     */
    synchronized void enableEvents()
    {
        if (eventsEnabled)
        {
            return;
        }
        eventsEnabled = true;
        final EventClock clock = new EventClock();
        for (final Slot slot : slots)
        {
            slot.events = new SlotEvents(clock);
        }
        agent.execute(() -> agent.eventClock(clock));
    }

    /** @return the clock of the slots' JFR events, or null (agent thread: a CALLER ring's poller; tests). */
    EventClock eventClock()
    {
        return agent.eventClock();
    }

    /** @return the most requests outstanding at once. */
    public int capacity()
    {
        return capacity;
    }

    /** @return true once {@link #close()} was called. */
    public boolean isClosed()
    {
        return submission.isClosed();
    }

    /**
     * Opens a file the way the ring's engine needs it (a descriptor for the kernel engines).
     *
     * @param path    the file.
     * @param options {@link StandardOpenOption}s; READ when none is given. {@link StandardOpenOption#APPEND} is
     *                refused on every engine: requests name their offset, which Linux's pwrite ignores under
     *                O_APPEND (man 2 pwrite, BUGS), and run concurrently, so appends would land out of order;
     *                append by writing at an offset you keep (from {@link IoFile#size()}).
     * @return the open file.
     * @throws IOException              as the operating system reported it.
     * @throws IllegalArgumentException for APPEND, and for options the engine does not take.
     */
    public IoFile open(final Path path, final OpenOption... options) throws IOException
    {
        checkOpen();
        final Set<OpenOption> set = RingFiles.openOptions(path, options, backend.name());
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
        final IoFile file = new IoFile(this, access, submission, driver, barrierPolicy);
        files.add(file);
        if (submission.isClosed())
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
        submission.checkOpen();
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
            seqs[i] = files[i].state().barriers.lastSeq();
        }
        final CompletableFuture<?>[] each = new CompletableFuture<?>[files.length];
        for (int i = 0; i < files.length; i++)
        {
            final CompletableFuture<Long> f = new RingFuture<>(driver);
            submission.submitBarrier(files[i].state(), mode, seqs[i], FutureHandler.INSTANCE, f, 0, false);
            each[i] = f;
        }
        final CompletableFuture<Void> all = new RingFuture<>(driver);
        CompletableFuture.allOf(each).whenComplete((ignored, error) ->
        {
            if (error == null)
            {
                all.complete(null);
            }
            else
            {
                all.completeExceptionally(error instanceof CompletionException &&
                    error.getCause() != null ? error.getCause() : error);
            }
        });
        return all;
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
            final Slot slot = submission.fill(request.file.state(), request.op, request.fileOffset, request.buffer,
                request.buffers, IoRequest.HANDLER, request, 0);
            request.slot = slot;
            request.slotGeneration = slot.generation();
            submission.publish(slot);
        }
        catch (final RuntimeException e)
        {
            request.abort();
            throw e;
        }
    }

    /**
     * Submits several requests together ({@code lio_listio}): they are queued back to back, so the agent hands
     * them to the kernel in one batch. All or nothing at the call:
     * <ul>
     *   <li>every member is checked first (described, not in progress, not twice in the batch, on a file of this
     *   ring, and its arguments as {@link IoFile} checks them); a bad member throws here, naming it, and no member
     *   is queued or changed;</li>
     *   <li>then a slot is taken for every member, waiting up to {@link RingConfig#submitTimeoutNs()} for the
     *   last; when the ring cannot take the whole batch in that time, {@link QueueFullException} is thrown and no
     *   member is queued (each is left as it was, IDLE or done);</li>
     *   <li>a member that still cannot be queued after that (its file closed meanwhile, its file's barrier window
     *   stayed full: see {@link RingConfig#barrierWindow()}) fails by itself, FAILED with ECANCELED or EAGAIN,
     *   like lio_listio's per-member errors, and the batch reports it.</li>
     * </ul>
     * When every member is done, the batch completes; if any member failed or was canceled, the WAIT call throws
     * and the NOWAIT future fails with a {@link BatchFailedException} naming those members (lio_listio's EIO).
     * Members must not be resubmitted before the batch is done.
     *
     * @param mode     WAIT returns once all have completed; NOWAIT returns at once.
     * @param requests the requests; each reports its own result.
     * @return completes when every request is done (already done for WAIT); fails with
     *         {@link BatchFailedException} when a member failed.
     * @throws NullPointerException      when the mode, the array or a member is null.
     * @throws IllegalArgumentException  when the batch is larger than the ring's queue depth, or a member is bad.
     * @throws QueueFullException        when the ring cannot take the whole batch within the submit timeout.
     * @throws BatchFailedException      (WAIT) when a member failed.
     * @throws RingInterruptedException  when interrupted while waiting for slots (nothing queued) or for a WAIT
     *                                   batch (the members go on).
     */
    public CompletableFuture<Void> submitBatch(final BatchMode mode, final IoRequest... requests)
    {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(requests, "requests");
        checkOpen();
        return RequestBatch.submit(this, submission, driver, mode, requests);
    }

    CompletableFuture<CancelOutcome> cancel(final IoRequest request)
    {
        final Slot slot = request.slot;
        final long generation = request.slotGeneration;
        if (slot == null || request.isDone())
        {
            return CompletableFuture.completedFuture(CancelOutcome.ALREADY_DONE);
        }
        final CompletableFuture<CancelOutcome> answer = new CompletableFuture<>();
        if (submission.isClosed() && terminated.isDone())
        {
            answer.complete(CancelOutcome.ALREADY_DONE);
            return answer;
        }
        driver.cancel(slot, generation, answer);
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
    public <T> CompletableFuture<T> onAgent(final Function<RingBackend, T> action)
    {
        checkOpen();
        return driver.onAgent(() -> action.apply(backend));
    }

    // ------------------------------------------------------------------------------------------------ driving

    /**
     * Holds new requests in the ring's queue (they stay in progress and cancelable) until {@link #resume()}.
     * Useful to build a batch from many threads, and for tests.
     */
    public void pause()
    {
        driver.pause();
    }

    /** Lets held requests go to the kernel. */
    public void resume()
    {
        driver.resume();
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
        return driver.poll();
    }

    /**
     * Registers buffers with the engine, for the engines that can pin them once and address them by index
     * afterwards (io_uring's fixed buffers): runs on the ring's agent, like {@link #onAgent}. The SPI answers
     * {@code -EOPNOTSUPP} where the engine cannot ({@link RingBackend#registerBuffers}); a caller treats that
     * as "use plain buffers", not as an error.
     *
     * @param buffers direct buffers, each registered under its index in this array.
     * @return completes with 0, or {@code -errno} ({@code -EOPNOTSUPP} where the engine has no such feature).
     */
    public CompletableFuture<Integer> registerBuffers(final ByteBuffer... buffers)
    {
        Objects.requireNonNull(buffers, "buffers");
        return onAgent(b -> b.registerBuffers(buffers));
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * Closes the ring, a barrier for each of its files (docs/DURABILITY.md rule 11): each file still open is closed
     * as {@link IoFile#close()} closes it (refused to new requests, a barrier over the writes accepted on it, then
     * the descriptor closed once its requests are done); then the ring refuses new requests, fails every data
     * request still queued (held by {@link #pause()} or not yet taken) with ECANCELED, cancels the reads in the
     * kernel through the kernel (IORING_OP_ASYNC_CANCEL, io_cancel), lets writes and syncs end, and frees the
     * engine's native resources. A request the kernel has not ended {@link RingConfig#closeTimeoutNs()} after its
     * cancel (a read on a FIFO nobody writes) fails with ETIMEDOUT and the ring is freed anyway. The waiting thread
     * parks; nothing spins.
     *
     * <p>Idempotent: the first call reports; later ones wait until the ring has shut down and return. Waits until
     * done, except on the agent thread itself (a handler), where it only starts the close and never throws.
     *
     * @throws IoFailure when the barrier of a file failed: the first such failure, the original one (the write or
     *                   sync that failed, naming its file, its errno), with any other file's as suppressed; the
     *                   ring is closed all the same. Each file's {@link IoFile#closeAsync()} future fails with its
     *                   own.
     */
    @Override
    public void close() throws IoFailure
    {
        // Files first, while the ring still takes their barriers; a file adopted meanwhile is closed by adopt().
        final List<IoFile> closing = closeStarted.compareAndSet(false, true) ? files.startClosing() : List.of();
        submission.close();
        if (driver.onAgentThread())
        {
            driver.close(config.closeTimeoutNs());
            return;
        }
        driver.close(config.closeTimeoutNs());
        RingFiles.throwFirstFailure(closing);
    }

    /** @return completes when the ring has shut down and freed its resources. */
    public CompletableFuture<Void> terminated()
    {
        return terminated;
    }

    /** Agent thread: a handler threw a VirtualMachineError; the ring refuses new requests and closes itself. */
    private void onAgentFailed()
    {
        submission.close();
    }

    /** @return the VirtualMachineError a handler threw, which made the ring close itself, or null. */
    public Throwable failure()
    {
        return driver.fatal();
    }

    /** Agent's last step: close what is left. */
    void onTerminated()
    {
        JfrSupport.ringClosed(this);
        final RingMXBeans.Registration registration = mbean;
        if (registration != null)
        {
            registration.close();
        }
        files.closeAll();
        terminated.complete(null);
    }

    /** @return slots taken by requests not yet completed. */
    int slotsInUse()
    {
        return submission.slotsInUse();
    }

    /** @return the ring's driver, for a waiting {@link IoRequest} to help a CALLER ring that nobody polls. */
    Progress progress()
    {
        return driver;
    }

    @Override
    public String toString()
    {
        return "IoRing{name=" + config.name() + " engine=" + backend.name() + " queueDepth=" + capacity +
            " closed=" + isClosed() + "}";
    }
}
