package dev.pageio.lucene;

import dev.pageio.core.RingConfig;

/**
 * How a {@link PageioDirectory} does its I/O: the engine, the ring's depth and the sizes of its blocks.
 * Validated once, immutable.
 */
public final class PageioDirectoryConfig
{
    private final String engine;
    private final int queueDepth;
    private final int writeBlockBytes;
    private final int readBlockBytes;
    private final int unsyncedFilesMax;
    private final int wholeFileReadMaxBytes;
    private final boolean callerThreadReads;

    private PageioDirectoryConfig(final Builder b)
    {
        this.engine = b.engine;
        this.queueDepth = b.queueDepth;
        this.writeBlockBytes = b.writeBlockBytes;
        this.readBlockBytes = b.readBlockBytes;
        this.unsyncedFilesMax = b.unsyncedFilesMax;
        this.wholeFileReadMaxBytes = b.wholeFileReadMaxBytes;
        this.callerThreadReads = b.callerThreadReads;
    }

    /** @return a builder with the defaults. */
    public static Builder builder()
    {
        return new Builder();
    }

    /**
     * @return the defaults: engine auto, queue depth 1024, 256 KiB write blocks, 64 KiB read windows, files up to
     * 1 MiB read whole when opened, reads a platform thread waits for made on that thread.
     */
    public static PageioDirectoryConfig defaults()
    {
        return builder().build();
    }

    /** @return the engine's name ({@code "auto"}, {@code "io_uring"}, {@code "aio"}, {@code "threads"}). */
    public String engine()
    {
        return engine;
    }

    /**
     * @return the ring's queue depth: the most reads (and writes) in flight at once on this directory's ring. A
     * reader beyond it waits for a free slot by polling (io-core's back-pressure: parks of 10-100 us, each a
     * wake-up), so the default, 1024, leaves room for a thousand virtual threads reading at once.
     */
    public int queueDepth()
    {
        return queueDepth;
    }

    /** @return bytes per write (one of an output's two buffers), rounded up to the file's alignment. */
    public int writeBlockBytes()
    {
        return writeBlockBytes;
    }

    /** @return bytes per sequential read window (one of an input's two buffers). */
    public int readBlockBytes()
    {
        return readBlockBytes;
    }

    /**
     * @return how many written, closed, not yet synced files stay open for the next {@code sync}; beyond that the
     * oldest is closed, which is a barrier (pageio's close), so its data is durable early.
     */
    public int unsyncedFilesMax()
    {
        return unsyncedFilesMax;
    }

    /**
     * @return the largest file an input reads whole, in one request, when it is opened (0: none). Its clones and
     * slices then read from that copy: no page cache serves an O_DIRECT file, and Lucene reads small files at
     * random many times over (during a flush, the postings writer reads each document's norms back from the
     * {@code .nvd} file just written, term after term: measured 124,585 reads of 4-16 KiB for a 20,000-document
     * index whose {@code .nvd} is a few KiB, before this existed).
     */
    public int wholeFileReadMaxBytes()
    {
        return wholeFileReadMaxBytes;
    }

    /**
     * @return true (the default) when a read that a platform thread waits for at once (a random read, the first
     * window of a sequential run, a small file read whole) is a {@code pread(2)} on that thread's O_DIRECT
     * descriptor: one system call and no hand-off. Through the ring, the same read costs three thread wake-ups
     * (the reader parks, the ring's agent wakes from the kernel for the completion, then unparks the reader),
     * which on this project's VM made one platform thread read at a quarter of the disk's QD1 rate. Virtual threads
     * always read through the ring, where they park instead of holding their carrier in a system call, and
     * read-ahead always goes through the ring (it is asynchronous). False: every read through the ring.
     */
    public boolean callerThreadReads()
    {
        return callerThreadReads;
    }

    RingConfig ringConfig(final String name)
    {
        return RingConfig.builder().engine(engine).queueDepth(queueDepth).name(name).build();
    }

    @Override
    public String toString()
    {
        return "PageioDirectoryConfig{engine=" + engine + " queueDepth=" + queueDepth + " writeBlockBytes=" +
            writeBlockBytes + " readBlockBytes=" + readBlockBytes + " unsyncedFilesMax=" + unsyncedFilesMax +
            " wholeFileReadMaxBytes=" + wholeFileReadMaxBytes + " callerThreadReads=" + callerThreadReads + "}";
    }

    /** Builds a {@link PageioDirectoryConfig}. */
    public static final class Builder
    {
        private String engine = "auto";
        private int queueDepth = 1024;
        private int writeBlockBytes = 256 * 1024;
        private int readBlockBytes = 64 * 1024;
        private int unsyncedFilesMax = 256;
        private int wholeFileReadMaxBytes = 1 << 20;
        private boolean callerThreadReads = true;

        private Builder()
        {
        }

        /**
         * @param engine {@code "auto"} or an engine's name.
         * @return this.
         */
        public Builder engine(final String engine)
        {
            if (engine == null || engine.isEmpty())
            {
                throw new IllegalArgumentException("engine empty: engine=" + engine);
            }
            this.engine = engine;
            return this;
        }

        /**
         * @param queueDepth requests outstanding per ring, &ge; 2.
         * @return this.
         */
        public Builder queueDepth(final int queueDepth)
        {
            this.queueDepth = requireAtLeast("queueDepth", queueDepth, 2);
            return this;
        }

        /**
         * @param bytes a power of two, &ge; 4096.
         * @return this.
         */
        public Builder writeBlockBytes(final int bytes)
        {
            this.writeBlockBytes = requirePowerOfTwo("writeBlockBytes", bytes);
            return this;
        }

        /**
         * @param bytes a power of two, &ge; 4096.
         * @return this.
         */
        public Builder readBlockBytes(final int bytes)
        {
            this.readBlockBytes = requirePowerOfTwo("readBlockBytes", bytes);
            return this;
        }

        /**
         * @param files &ge; 1.
         * @return this.
         */
        public Builder unsyncedFilesMax(final int files)
        {
            this.unsyncedFilesMax = requireAtLeast("unsyncedFilesMax", files, 1);
            return this;
        }

        /**
         * @param bytes 0 (never) to 64 MiB: files up to this size are read whole when an input opens them.
         * @return this.
         */
        public Builder wholeFileReadMaxBytes(final int bytes)
        {
            if (bytes < 0 || bytes > 64 << 20)
            {
                throw new IllegalArgumentException("wholeFileReadMaxBytes out of range: wholeFileReadMaxBytes=" +
                    bytes + " range=0..67108864");
            }
            this.wholeFileReadMaxBytes = bytes;
            return this;
        }

        /**
         * @param callerThreadReads see {@link PageioDirectoryConfig#callerThreadReads()}.
         * @return this.
         */
        public Builder callerThreadReads(final boolean callerThreadReads)
        {
            this.callerThreadReads = callerThreadReads;
            return this;
        }

        /** @return the configuration. */
        public PageioDirectoryConfig build()
        {
            return new PageioDirectoryConfig(this);
        }

        private static int requireAtLeast(final String name, final int value, final int min)
        {
            if (value < min)
            {
                throw new IllegalArgumentException(name + " too small: " + name + "=" + value + " min=" + min);
            }
            return value;
        }

        private static int requirePowerOfTwo(final String name, final int value)
        {
            if (value < 4096 || (value & (value - 1)) != 0)
            {
                throw new IllegalArgumentException(name + " not a power of two >= 4096: " + name + "=" + value);
            }
            return value;
        }
    }
}
