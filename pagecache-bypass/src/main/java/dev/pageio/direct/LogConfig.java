package dev.pageio.direct;

import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;

/**
 * Configuration of a {@link LogFile}, validated once by {@link Builder#build()}.
 *
 * <ul>
 *   <li>{@code segmentBytes}: the size of each segment file (a header block, then data), a multiple of the
 *   file's O_DIRECT block (checked at open). Default 64 MiB. An existing log keeps the geometry it was created
 *   with: reopening with another is refused.</li>
 *   <li>{@code bufferBytes}: the in-memory log buffer, a power of two; records wait there until written. The
 *   largest record is {@link LogFile#maxRecordBytes()}: min(bufferBytes / 2, segment data bytes) minus the
 *   16-byte frame header. Default 4 MiB.</li>
 *   <li>{@code appendTimeoutNs}: how long {@link LogFile#append} waits for buffer space before it refuses with
 *   {@link LogFullException}. Default 1 s.</li>
 *   <li>{@code flushesInFlightMax}: flushes (one write + one barrier) whose barriers may be in flight at once;
 *   writes never overlap (a tail block is rewritten). Default 2.</li>
 *   <li>{@code spareSegmentsMax}: segments removed by {@link LogFile#truncateBefore} kept for reuse (renamed,
 *   given a new generation) instead of deleted. Default 2.</li>
 *   <li>{@code zeroFillSegments}: a new segment file is fallocated, then written with zeros once (on the
 *   preparer thread, ahead of need), so that a flush's fdatasync finds written blocks and need not commit the
 *   filesystem journal for extent conversion (see {@code LogFile}); off: fallocate only (faster creation, the
 *   first write to each block pays). Default on.</li>
 *   <li>{@code syncMode}: how a flush becomes durable ({@link SyncMode}). Default {@link SyncMode#BARRIER}.</li>
 *   <li>{@code engine}, {@code ringConfig}, {@code ring}, {@code policy}: as for {@link PageStoreConfig}.</li>
 * </ul>
 */
public final class LogConfig
{
    /** How a flush of the log becomes durable. */
    public enum SyncMode
    {
        /**
         * Segment files are opened O_DIRECT; each flush is one write, then one barrier (an fdatasync through the
         * ring, issued once the write completed: BARRIER.md rule 2). Two device round trips in series per flush, but
         * the syncs of up to {@link #flushesInFlightMax()} flushes overlap the next flushes' writes.
         */
        BARRIER,
        /**
         * Segment files are opened O_DIRECT|O_DSYNC: each flush is one write that is durable when it completes
         * (the kernel writes it with FUA, or syncs it before completing it) and no sync is issued at all
         * (BARRIER.md rule 10). One device operation per flush; a flush's write is not overlapped by the next one
         * (the tail block is rewritten), so {@link #flushesInFlightMax()} does not apply.
         */
        DSYNC
    }

    private final long segmentBytes;
    private final int bufferBytes;
    private final long appendTimeoutNs;
    private final int flushesInFlightMax;
    private final int spareSegmentsMax;
    private final boolean zeroFillSegments;
    private final SyncMode syncMode;
    private final String engine;
    private final RingConfig ringConfig;
    private final IoRing ring;
    private final DirectIoPolicy policy;
    final LogBreakage breakage;

    private LogConfig(final Builder b)
    {
        segmentBytes = b.segmentBytes;
        bufferBytes = b.bufferBytes;
        appendTimeoutNs = b.appendTimeoutNs;
        flushesInFlightMax = b.flushesInFlightMax;
        spareSegmentsMax = b.spareSegmentsMax;
        zeroFillSegments = b.zeroFillSegments;
        syncMode = b.syncMode;
        engine = b.engine;
        ringConfig = b.ringConfig;
        ring = b.ring;
        policy = b.policy;
        breakage = b.breakage;
    }

    /** @return a builder with the defaults. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return bytes per segment file, header block included. */
    public long segmentBytes()
    {
        return segmentBytes;
    }

    /** @return bytes of the in-memory log buffer. */
    public int bufferBytes()
    {
        return bufferBytes;
    }

    /** @return how long an append waits for buffer space. */
    public long appendTimeoutNs()
    {
        return appendTimeoutNs;
    }

    /** @return flushes whose barriers may be in flight at once. */
    public int flushesInFlightMax()
    {
        return flushesInFlightMax;
    }

    /** @return truncated segments kept for reuse. */
    public int spareSegmentsMax()
    {
        return spareSegmentsMax;
    }

    /** @return true when new segment files are zero-filled after fallocate. */
    public boolean zeroFillSegments()
    {
        return zeroFillSegments;
    }

    /** @return how a flush becomes durable. */
    public SyncMode syncMode()
    {
        return syncMode;
    }

    /** @return the engine's name or {@code "auto"}. */
    public String engine()
    {
        return engine;
    }

    /** @return the configuration of the log's own ring. */
    public RingConfig ringConfig()
    {
        return ringConfig != null ? ringConfig : RingConfig.builder().engine(engine).name("log").build();
    }

    /** @return the shared ring, or null when the log opens its own. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return the direct-I/O policy. */
    public DirectIoPolicy policy()
    {
        return policy;
    }

    @Override
    public String toString()
    {
        return "LogConfig{segmentBytes=" + segmentBytes + " bufferBytes=" + bufferBytes + " appendTimeoutNs=" +
            appendTimeoutNs + " flushesInFlightMax=" + flushesInFlightMax + " spareSegmentsMax=" + spareSegmentsMax +
            " zeroFillSegments=" + zeroFillSegments + " syncMode=" + syncMode + " engine=" + engine + " policy=" + policy +
            (breakage != LogBreakage.NONE ? " breakage=" + breakage : "") + "}";
    }

    /** Builds a {@link LogConfig}. */
    public static final class Builder
    {
        private long segmentBytes = 64L << 20;
        private int bufferBytes = 4 << 20;
        private long appendTimeoutNs = 1_000_000_000L;
        private int flushesInFlightMax = 2;
        private int spareSegmentsMax = 2;
        private boolean zeroFillSegments = true;
        private SyncMode syncMode = SyncMode.BARRIER;
        private String engine = "auto";
        private RingConfig ringConfig;
        private IoRing ring;
        private DirectIoPolicy policy = DirectIoPolicy.REQUIRED;
        private LogBreakage breakage = LogBreakage.NONE;

        private Builder()
        {
        }

        /**
         * @param segmentBytes bytes per segment file.
         * @return this.
         */
        public Builder segmentBytes(final long segmentBytes)
        {
            this.segmentBytes = segmentBytes;
            return this;
        }

        /**
         * @param bufferBytes bytes of the log buffer, a power of two.
         * @return this.
         */
        public Builder bufferBytes(final int bufferBytes)
        {
            this.bufferBytes = bufferBytes;
            return this;
        }

        /**
         * @param appendTimeoutNs how long an append waits for space.
         * @return this.
         */
        public Builder appendTimeoutNs(final long appendTimeoutNs)
        {
            this.appendTimeoutNs = appendTimeoutNs;
            return this;
        }

        /**
         * @param flushesInFlightMax flushes whose barriers may overlap, &ge; 1.
         * @return this.
         */
        public Builder flushesInFlightMax(final int flushesInFlightMax)
        {
            this.flushesInFlightMax = flushesInFlightMax;
            return this;
        }

        /**
         * @param spareSegmentsMax truncated segments kept for reuse, &ge; 0.
         * @return this.
         */
        public Builder spareSegmentsMax(final int spareSegmentsMax)
        {
            this.spareSegmentsMax = spareSegmentsMax;
            return this;
        }

        /**
         * @param zeroFillSegments zero-fill new segment files after fallocate.
         * @return this.
         */
        public Builder zeroFillSegments(final boolean zeroFillSegments)
        {
            this.zeroFillSegments = zeroFillSegments;
            return this;
        }

        /**
         * @param syncMode how a flush becomes durable.
         * @return this.
         */
        public Builder syncMode(final SyncMode syncMode)
        {
            this.syncMode = syncMode;
            return this;
        }

        /**
         * @param engine an engine's name or {@code "auto"}.
         * @return this.
         */
        public Builder engine(final String engine)
        {
            this.engine = engine;
            return this;
        }

        /**
         * @param ringConfig the configuration of the log's own ring.
         * @return this.
         */
        public Builder ringConfig(final RingConfig ringConfig)
        {
            this.ringConfig = ringConfig;
            return this;
        }

        /**
         * @param ring a shared ring (not closed by the log).
         * @return this.
         */
        public Builder ring(final IoRing ring)
        {
            this.ring = ring;
            return this;
        }

        /**
         * @param policy the direct-I/O policy.
         * @return this.
         */
        public Builder policy(final DirectIoPolicy policy)
        {
            this.policy = policy;
            return this;
        }

        /** Tests only: breaks one rule on purpose, to show the property test of that rule fails. @return this. */
        Builder breakage(final LogBreakage breakage)
        {
            this.breakage = breakage;
            return this;
        }

        /** @return the validated configuration. */
        public LogConfig build()
        {
            if (bufferBytes < 8192 || Integer.bitCount(bufferBytes) != 1)
            {
                throw new IllegalArgumentException("bufferBytes not a power of two >= 8192: bufferBytes=" + bufferBytes);
            }
            if (segmentBytes < 8192 || segmentBytes > (1L << 30) || segmentBytes % 4096 != 0)
            {
                throw new IllegalArgumentException("segmentBytes not a multiple of 4096 in 8192..1073741824: segmentBytes=" +
                    segmentBytes);
            }
            if (appendTimeoutNs < 0)
            {
                throw new IllegalArgumentException("appendTimeoutNs negative: appendTimeoutNs=" + appendTimeoutNs);
            }
            if (flushesInFlightMax < 1 || flushesInFlightMax > 64)
            {
                throw new IllegalArgumentException("flushesInFlightMax out of range: flushesInFlightMax=" +
                    flushesInFlightMax + " range=1..64");
            }
            if (spareSegmentsMax < 0)
            {
                throw new IllegalArgumentException("spareSegmentsMax negative: spareSegmentsMax=" + spareSegmentsMax);
            }
            if (engine == null || policy == null || breakage == null || syncMode == null)
            {
                throw new NullPointerException("engine, policy, syncMode or breakage null");
            }
            return new LogConfig(this);
        }
    }
}
