package dev.pageio.core;

import dev.pageio.core.spi.BackendConfig;

import org.agrona.BitUtil;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Configuration of one ring, validated once by {@link Builder#build()}.
 *
 * <ul>
 *   <li>{@code engine}: {@code "auto"} (io_uring, then aio, then threads), or an engine's name.</li>
 *   <li>{@code queueDepth}: the most requests outstanding on the ring (queued plus in the kernel); the size
 *   of the slot table and of the kernel ring.</li>
 *   <li>{@code closeTimeoutNs}: how long a ring's close waits for requests in the kernel after canceling them
 *   (IORING_OP_ASYNC_CANCEL, io_cancel) before it fails what is left with ETIMEDOUT and frees the ring (default
 *   30 s);</li>
 *   <li>{@code submitTimeoutNs}: how long a submitting thread waits for a free slot when the ring is full;
 *   0 refuses at once with {@link QueueFullException}.</li>
 *   <li>{@code threadMode}: {@link ThreadMode#DEDICATED} runs an agent thread; {@link ThreadMode#CALLER}
 *   leaves the duty cycle to the caller's {@link IoRing#poll()}.</li>
 *   <li>{@code idleStrategy}: the Agrona idle strategy between empty duty cycles; after
 *   {@code sleepAfterIdleNs} without work the agent blocks in the kernel (io_uring_enter, io_getevents) until
 *   a completion or a new submission, so an idle ring costs no CPU. {@link Long#MAX_VALUE} never blocks.</li>
 * </ul>
 */
public final class RingConfig
{
    /**
     * Default of {@link #barrierSyncsInFlightMax()}: 2, a proposal until measured (issue 16: group commit at 1, 8
     * and 32 committers with K = 1, 2 and 4 against fio and FileChannel.force). ext4 on virtio and NVMe overlap
     * concurrent flushes, so a second sync in flight lets a commit that arrives while one runs start its own at once
     * instead of waiting for it to end (docs/DURABILITY.md rule 4).
     */
    public static final int DEFAULT_BARRIER_SYNCS_IN_FLIGHT_MAX = 2;

    /** Largest accepted {@link #barrierSyncsInFlightMax()}. */
    public static final int BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT = 64;

    /** Who runs the ring's duty cycle. */
    public enum ThreadMode
    {
        /** A dedicated agent thread per ring. */
        DEDICATED,
        /** The caller's own loop calls {@link IoRing#poll()} (thread-per-core engines). */
        CALLER
    }

    private final String engine;
    private final int queueDepth;
    private final int maxSegments;
    private final long submitTimeoutNs;
    private final long closeTimeoutNs;
    private final ThreadMode threadMode;
    private final Supplier<IdleStrategy> idleStrategy;
    private final long sleepAfterIdleNs;
    private final int workerThreads;
    private final int submitBatchMax;
    private final boolean sqPoll;
    private final boolean coopTaskRun;
    private final boolean deferTaskRun;
    private final String name;
    private final ErrorHandler errorHandler;
    private final BarrierObserver barrierObserver;
    private final int barrierWindow;
    private final boolean latencyRecording;
    private final int barrierSyncsInFlightMax;
    private final boolean adaptiveSpin;

    private RingConfig(final Builder b)
    {
        engine = b.engine;
        queueDepth = b.queueDepth;
        maxSegments = b.maxSegments;
        submitTimeoutNs = b.submitTimeoutNs;
        closeTimeoutNs = b.closeTimeoutNs;
        threadMode = b.threadMode;
        idleStrategy = b.idleStrategy;
        sleepAfterIdleNs = b.sleepAfterIdleNs;
        workerThreads = b.workerThreads;
        submitBatchMax = b.submitBatchMax;
        sqPoll = b.sqPoll;
        coopTaskRun = b.coopTaskRun;
        deferTaskRun = b.deferTaskRun;
        name = b.name;
        errorHandler = b.errorHandler;
        barrierObserver = b.barrierObserver;
        barrierWindow = b.barrierWindow;
        latencyRecording = b.latencyRecording;
        barrierSyncsInFlightMax = b.barrierSyncsInFlightMax;
        adaptiveSpin = b.adaptiveSpin;
    }

    /** @return a builder with the defaults. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return the defaults. */
    public static RingConfig defaults()
    {
        return builder().build();
    }

    /** @return the engine's name, or {@code "auto"}. */
    public String engine()
    {
        return engine;
    }

    /** @return the most outstanding requests. */
    public int queueDepth()
    {
        return queueDepth;
    }

    /** @return the most segments of one vectored request. */
    public int maxSegments()
    {
        return maxSegments;
    }

    /** @return how long a submitter waits for a slot; 0 refuses at once. */
    public long submitTimeoutNs()
    {
        return submitTimeoutNs;
    }

    /** @return how long a close waits for canceled requests still in the kernel before failing them. */
    public long closeTimeoutNs()
    {
        return closeTimeoutNs;
    }

    /** @return who runs the duty cycle. */
    public ThreadMode threadMode()
    {
        return threadMode;
    }

    /** @return a new idle strategy instance for the ring. */
    public IdleStrategy newIdleStrategy()
    {
        return idleStrategy.get();
    }

    /** @return idle time after which the agent blocks in the kernel: its spin budget. */
    public long sleepAfterIdleNs()
    {
        return sleepAfterIdleNs;
    }

    /**
     * @return true (the default) when a dedicated agent learns its completion wait (a moving estimate per ring) and,
     * with requests in flight, blocks in the kernel at once when the expected wait is at least the spin budget
     * {@link #sleepAfterIdleNs()}, instead of spinning the budget first; false spins the budget every time.
     */
    public boolean adaptiveSpin()
    {
        return adaptiveSpin;
    }

    /**
     * @return the most new requests the agent hands to the kernel in one system call before it reaps again. Small
     * batches get each slot back to the device sooner: measured on this project's virtio disk (4 KiB random reads,
     * QD32), a cap of 32 gave 93-112K IOPS and a cap of 4 gave 100-135K (fio: 107-121K) in the same minutes,
     * because a burst of 32 completions resubmitted together keeps requests marching in lock-step; on tmpfs the
     * cap costs 2-4%.
     */
    public int submitBatchMax()
    {
        return submitBatchMax;
    }

    /** @return worker threads of the thread engine. */
    public int workerThreads()
    {
        return workerThreads;
    }

    /** @return true to ask io_uring for a kernel submission thread (SQPOLL). */
    public boolean sqPoll()
    {
        return sqPoll;
    }

    /**
     * @return true (the default) to set io_uring up with COOP_TASKRUN | TASKRUN_FLAG: completions that need task
     * work (io-wq punts, block-device completions) wait for the agent's next system call instead of interrupting
     * it with an IPI each; the agent enters (GETEVENTS, no wait) when the kernel flags pending work. Measured here
     * on tmpfs, 4 KiB random reads at QD32: about 3x the IOPS of the default flags, whose per-completion IPIs kept
     * the busy agent in interrupt handling. With false, completions appear in the CQ with no system call at all.
     * Kernels before 5.19 refuse the flags; the ring then runs without them.
     */
    public boolean coopTaskRun()
    {
        return coopTaskRun;
    }

    /**
     * @return true (the default) to set io_uring up with SINGLE_ISSUER | DEFER_TASKRUN (and COOP_TASKRUN) on rings
     * with a dedicated agent thread: completion work runs only inside the agent's own GETEVENTS enters, which it
     * makes when the kernel flags pending work. The ring starts disabled and the agent enables it, becoming its
     * only issuer. Measured here (tmpfs, 4 KiB random reads, QD32, alternated with fio): 642-682K IOPS at 2.9 us
     * CPU per I/O, against 510-522K at 3.8 us with COOP_TASKRUN alone (fio 3.33, which sets the same flags:
     * 576-636K). CALLER rings never use it: their duty cycle may run on more than one thread. Kernels before 6.1
     * refuse the flags; the ring then runs without them.
     */
    public boolean deferTaskRun()
    {
        return deferTaskRun;
    }

    /**
     * @return what a backend reads of this configuration, the SPI's value for {@code IoEngine.openBackend}: the name,
     * queue depth, segments, worker threads and io_uring's setup flags, and whether the agent is a dedicated thread.
     */
    public BackendConfig backendConfig()
    {
        return new BackendConfig(name, queueDepth, maxSegments, workerThreads, sqPoll, coopTaskRun, deferTaskRun,
            threadMode == ThreadMode.DEDICATED);
    }

    /** @return the ring's name, used for its thread and in messages. */
    public String name()
    {
        return name;
    }

    /** @return where errors of the duty cycle (e.g. a throwing handler) go. */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /** @return the observer of barrier events, or null. */
    public BarrierObserver barrierObserver()
    {
        return barrierObserver;
    }

    /**
     * @return how many writes of one file may complete beyond one that has not (the completed-watermark window);
     * a submitter waits, as for a full ring, past it.
     */
    public int barrierWindow()
    {
        return barrierWindow;
    }

    /**
     * @return K of docs/DURABILITY.md rule 4: the most barrier syncs in flight at once on one O_DIRECT file. A new
     * one is issued only when the file's completed watermark C has moved past the snapshot of every sync in flight
     * (else it would cover nothing new); 1 is the old rule, one sync at a time. A file that goes through the page
     * cache always keeps one sync in flight, whatever this says (a writeback error is reported to one sync only).
     */
    public int barrierSyncsInFlightMax()
    {
        return barrierSyncsInFlightMax;
    }

    /**
     * @return true when the ring keeps per-operation latency histograms ({@link IoRing#latency(IoOp)}): one
     * {@link System#nanoTime()} per request on the submitting thread and one HdrHistogram record on the agent.
     * Off by default.
     */
    public boolean latencyRecording()
    {
        return latencyRecording;
    }

    @Override
    public String toString()
    {
        return "RingConfig{engine=" + engine + " queueDepth=" + queueDepth + " maxSegments=" + maxSegments +
            " submitTimeoutNs=" + submitTimeoutNs + " threadMode=" + threadMode + " sleepAfterIdleNs=" +
            sleepAfterIdleNs + " workerThreads=" + workerThreads + " submitBatchMax=" + submitBatchMax + " sqPoll=" + sqPoll + " coopTaskRun=" + coopTaskRun + " deferTaskRun=" + deferTaskRun + " barrierSyncsInFlightMax=" + barrierSyncsInFlightMax + " adaptiveSpin=" + adaptiveSpin + " latencyRecording=" + latencyRecording + " name=" + name + "}";
    }

    /** Builder; {@link #build()} validates. */
    public static final class Builder
    {
        private String engine = "auto";
        private int queueDepth = 256;
        private int maxSegments = 64;
        private long submitTimeoutNs = 10_000_000_000L;
        private long closeTimeoutNs = 30_000_000_000L;
        private ThreadMode threadMode = ThreadMode.DEDICATED;
        private Supplier<IdleStrategy> idleStrategy = () -> new BackoffIdleStrategy(100, 1_000, 1_000, 1_000);
        private long sleepAfterIdleNs = 50_000;
        private int workerThreads = 4;
        private int submitBatchMax = 4;
        private boolean sqPoll;
        private boolean coopTaskRun = true;
        private boolean deferTaskRun = true;
        private String name = "pageio-ring";
        private ErrorHandler errorHandler = Throwable::printStackTrace;
        private BarrierObserver barrierObserver;
        private int barrierWindow = 1 << 16;
        private boolean latencyRecording;
        private int barrierSyncsInFlightMax = DEFAULT_BARRIER_SYNCS_IN_FLIGHT_MAX;
        private boolean adaptiveSpin = true;

        private Builder()
        {
        }

        /**
         * @param engine {@code "auto"}, {@code "io_uring"}, {@code "aio"} or {@code "threads"}.
         * @return this.
         */
        public Builder engine(final String engine)
        {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * @param queueDepth 1 to 32768.
         * @return this.
         */
        public Builder queueDepth(final int queueDepth)
        {
            this.queueDepth = queueDepth;
            return this;
        }

        /**
         * @param maxSegments 1 to 1024 (IOV_MAX).
         * @return this.
         */
        public Builder maxSegments(final int maxSegments)
        {
            this.maxSegments = maxSegments;
            return this;
        }

        /**
         * @param closeTimeoutNs &gt; 0: how long a close waits for canceled requests in the kernel.
         * @return this.
         */
        public Builder closeTimeoutNs(final long closeTimeoutNs)
        {
            this.closeTimeoutNs = closeTimeoutNs;
            return this;
        }

        /**
         * @param submitTimeoutNs &ge; 0; 0 refuses at once when full.
         * @return this.
         */
        public Builder submitTimeoutNs(final long submitTimeoutNs)
        {
            this.submitTimeoutNs = submitTimeoutNs;
            return this;
        }

        /**
         * @param threadMode who runs the duty cycle.
         * @return this.
         */
        public Builder threadMode(final ThreadMode threadMode)
        {
            this.threadMode = Objects.requireNonNull(threadMode, "threadMode");
            return this;
        }

        /**
         * @param idleStrategy     makes one idle strategy per ring (Agrona's busy-spin, backoff, sleeping…).
         * @param sleepAfterIdleNs idle time after which the agent blocks in the kernel; Long.MAX_VALUE never.
         * @return this.
         */
        public Builder idle(final Supplier<IdleStrategy> idleStrategy, final long sleepAfterIdleNs)
        {
            this.idleStrategy = Objects.requireNonNull(idleStrategy, "idleStrategy");
            this.sleepAfterIdleNs = sleepAfterIdleNs;
            return this;
        }

        /**
         * @param workerThreads 1 to 256, thread engine only.
         * @return this.
         */
        public Builder workerThreads(final int workerThreads)
        {
            this.workerThreads = workerThreads;
            return this;
        }

        /**
         * @param submitBatchMax 1 to 32768: see {@link RingConfig#submitBatchMax()}.
         * @return this.
         */
        public Builder submitBatchMax(final int submitBatchMax)
        {
            this.submitBatchMax = submitBatchMax;
            return this;
        }

        /**
         * @param sqPoll ask io_uring for SQPOLL.
         * @return this.
         */
        public Builder sqPoll(final boolean sqPoll)
        {
            this.sqPoll = sqPoll;
            return this;
        }

        /**
         * @param coop io_uring COOP_TASKRUN | TASKRUN_FLAG: see {@link RingConfig#coopTaskRun()}.
         * @return this.
         */
        public Builder coopTaskRun(final boolean coop)
        {
            this.coopTaskRun = coop;
            return this;
        }

        /**
         * @param defer io_uring SINGLE_ISSUER | DEFER_TASKRUN (DEDICATED rings): see {@link RingConfig#deferTaskRun()}.
         * @return this.
         */
        public Builder deferTaskRun(final boolean defer)
        {
            this.deferTaskRun = defer;
            return this;
        }

        /**
         * @param name the ring's name.
         * @return this.
         */
        public Builder name(final String name)
        {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * @param errorHandler receives errors of the duty cycle.
         * @return this.
         */
        public Builder errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler");
            return this;
        }

        /**
         * @param observer sees write completions and barrier syncs (tests, diagnostics); null for none.
         * @return this.
         */
        public Builder barrierObserver(final BarrierObserver observer)
        {
            this.barrierObserver = observer;
            return this;
        }

        /**
         * @param window power of two, 64 to 2^24: see {@link RingConfig#barrierWindow()}.
         * @return this.
         */
        public Builder barrierWindow(final int window)
        {
            this.barrierWindow = window;
            return this;
        }

        /**
         * @param syncsInFlightMax 1 to {@link #BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT}: see
         *                         {@link RingConfig#barrierSyncsInFlightMax()}.
         * @return this.
         */
        public Builder barrierSyncsInFlightMax(final int syncsInFlightMax)
        {
            this.barrierSyncsInFlightMax = syncsInFlightMax;
            return this;
        }

        /**
         * @param adaptiveSpin see {@link RingConfig#adaptiveSpin()} (default true).
         * @return this.
         */
        public Builder adaptiveSpin(final boolean adaptiveSpin)
        {
            this.adaptiveSpin = adaptiveSpin;
            return this;
        }

        /**
         * @param latencyRecording true to keep per-operation latency histograms: see
         *                         {@link RingConfig#latencyRecording()}.
         * @return this.
         */
        public Builder latencyRecording(final boolean latencyRecording)
        {
            this.latencyRecording = latencyRecording;
            return this;
        }

        /** @return the validated configuration. */
        public RingConfig build()
        {
            if (queueDepth < 1 || queueDepth > 32768)
            {
                throw new IllegalArgumentException("queueDepth out of range: queueDepth=" + queueDepth + " range=1..32768");
            }
            if (maxSegments < 1 || maxSegments > 1024)
            {
                throw new IllegalArgumentException("maxSegments out of range: maxSegments=" + maxSegments + " range=1..1024");
            }
            if (closeTimeoutNs <= 0)
            {
                throw new IllegalArgumentException("closeTimeoutNs not positive: closeTimeoutNs=" + closeTimeoutNs);
            }
            if (submitTimeoutNs < 0)
            {
                throw new IllegalArgumentException("submitTimeoutNs negative: submitTimeoutNs=" + submitTimeoutNs);
            }
            if (sleepAfterIdleNs < 0)
            {
                throw new IllegalArgumentException("sleepAfterIdleNs negative: sleepAfterIdleNs=" + sleepAfterIdleNs);
            }
            if (submitBatchMax < 1 || submitBatchMax > 32768)
            {
                throw new IllegalArgumentException("submitBatchMax out of range: submitBatchMax=" + submitBatchMax + " range=1..32768");
            }
            if (workerThreads < 1 || workerThreads > 256)
            {
                throw new IllegalArgumentException("workerThreads out of range: workerThreads=" + workerThreads + " range=1..256");
            }
            if (barrierWindow < 64 || barrierWindow > (1 << 24) || !BitUtil.isPowerOfTwo(barrierWindow))
            {
                throw new IllegalArgumentException("barrierWindow not a power of two in 64..2^24: barrierWindow=" + barrierWindow);
            }
            if (barrierSyncsInFlightMax < 1 || barrierSyncsInFlightMax > BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT)
            {
                throw new IllegalArgumentException("barrierSyncsInFlightMax out of range: barrierSyncsInFlightMax=" +
                    barrierSyncsInFlightMax + " range=1.." + BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT);
            }
            return new RingConfig(this);
        }
    }
}
