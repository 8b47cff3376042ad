package dev.pageio.direct;

import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;

import java.util.Objects;

/**
 * Configuration of a {@link PageStore}, validated once by {@link Builder#build()}.
 *
 * <ul>
 *   <li>{@code pageSizeBytes}: a power of two from 4 KiB to 16 MiB, and a multiple of the file's O_DIRECT
 *   offset alignment (checked at open, when the alignment is known). Default 4096.</li>
 *   <li>{@code engine}: {@code "auto"} or an engine's name ({@code "io_uring"}, {@code "aio"}, {@code "threads"}).
 *   Ignored when a {@code ringConfig} or a shared {@code ring} is given.</li>
 *   <li>{@code ringConfig}: the configuration of the ring the store opens (and closes) for itself.</li>
 *   <li>{@code ring}: a ring shared with other files; the store neither opens nor closes it.</li>
 *   <li>{@code policy}: the {@link DirectIoPolicy}; default REQUIRED.</li>
 *   <li>{@code bufferCount}, {@code bufferPoolMode}: the store's {@link AlignedBufferPool} of page buffers.</li>
 *   <li>{@code create}: create the file when it does not exist (default true).</li>
 * </ul>
 */
public final class PageStoreConfig
{
    private final int pageSizeBytes;
    private final String engine;
    private final RingConfig ringConfig;
    private final IoRing ring;
    private final DirectIoPolicy policy;
    private final int bufferCount;
    private final AlignedBufferPool.Mode bufferPoolMode;
    private final boolean create;
    private final NativeOps ops;

    private PageStoreConfig(final Builder b)
    {
        pageSizeBytes = b.pageSizeBytes;
        engine = b.engine;
        ringConfig = b.ringConfig;
        ring = b.ring;
        policy = b.policy;
        bufferCount = b.bufferCount;
        bufferPoolMode = b.bufferPoolMode;
        create = b.create;
        ops = b.ops;
    }

    /** @return a builder with the defaults. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return bytes per page. */
    public int pageSizeBytes()
    {
        return pageSizeBytes;
    }

    /** @return the engine's name or {@code "auto"}. */
    public String engine()
    {
        return engine;
    }

    /** @return the configuration of the store's own ring: the one given, or one built for {@link #engine()}. */
    public RingConfig ringConfig()
    {
        return ringConfig != null ? ringConfig : RingConfig.builder().engine(engine).name("pagestore").build();
    }

    /** @return the shared ring, or null when the store opens its own. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return the direct-I/O policy. */
    public DirectIoPolicy policy()
    {
        return policy;
    }

    /** @return page buffers in the store's pool. */
    public int bufferCount()
    {
        return bufferCount;
    }

    /** @return FAST or CHECKED. */
    public AlignedBufferPool.Mode bufferPoolMode()
    {
        return bufferPoolMode;
    }

    /** @return true to create a missing file. */
    public boolean create()
    {
        return create;
    }

    NativeOps ops()
    {
        return ops;
    }

    @Override
    public String toString()
    {
        return "PageStoreConfig{pageSizeBytes=" + pageSizeBytes + " engine=" + engine + " policy=" + policy +
            " bufferCount=" + bufferCount + " bufferPoolMode=" + bufferPoolMode + " create=" + create +
            " sharedRing=" + (ring != null) + "}";
    }

    /** Builder; {@link #build()} validates. */
    public static final class Builder
    {
        private int pageSizeBytes = 4096;
        private String engine = "auto";
        private RingConfig ringConfig;
        private IoRing ring;
        private DirectIoPolicy policy = DirectIoPolicy.REQUIRED;
        private int bufferCount = 64;
        private AlignedBufferPool.Mode bufferPoolMode = AlignedBufferPool.Mode.FAST;
        private boolean create = true;
        private NativeOps ops = NativeOps.LINUX;

        private Builder()
        {
        }

        /**
         * @param pageSizeBytes a power of two, 4096 to 16777216.
         * @return this.
         */
        public Builder pageSizeBytes(final int pageSizeBytes)
        {
            this.pageSizeBytes = pageSizeBytes;
            return this;
        }

        /**
         * @param engine {@code "auto"} or an engine's name.
         * @return this.
         */
        public Builder engine(final String engine)
        {
            this.engine = Objects.requireNonNull(engine, "engine");
            return this;
        }

        /**
         * @param ringConfig the configuration of the store's own ring.
         * @return this.
         */
        public Builder ringConfig(final RingConfig ringConfig)
        {
            this.ringConfig = Objects.requireNonNull(ringConfig, "ringConfig");
            return this;
        }

        /**
         * @param ring a ring to share; the store does not close it.
         * @return this.
         */
        public Builder ring(final IoRing ring)
        {
            this.ring = Objects.requireNonNull(ring, "ring");
            return this;
        }

        /**
         * @param policy the direct-I/O policy.
         * @return this.
         */
        public Builder policy(final DirectIoPolicy policy)
        {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param bufferCount how many page buffers the store's pool holds, 1 to 1048576.
         * @param mode        FAST, or CHECKED for tests.
         * @return this.
         */
        public Builder buffers(final int bufferCount, final AlignedBufferPool.Mode mode)
        {
            this.bufferCount = bufferCount;
            this.bufferPoolMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * @param create true to create a missing file.
         * @return this.
         */
        public Builder create(final boolean create)
        {
            this.create = create;
            return this;
        }

        Builder ops(final NativeOps ops)
        {
            this.ops = Objects.requireNonNull(ops, "ops");
            return this;
        }

        /** @return the validated configuration. */
        public PageStoreConfig build()
        {
            if (pageSizeBytes < 4096 || pageSizeBytes > (1 << 24) || Integer.bitCount(pageSizeBytes) != 1)
            {
                throw new IllegalArgumentException("page size invalid: pageSizeBytes=" + pageSizeBytes +
                    " rule=power of two in 4096..16777216");
            }
            if (bufferCount < 1 || bufferCount > (1 << 20))
            {
                throw new IllegalArgumentException("bufferCount out of range: bufferCount=" + bufferCount +
                    " range=1..1048576");
            }
            return new PageStoreConfig(this);
        }
    }
}
