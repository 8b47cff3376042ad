package dev.pageio.core;

/** The operations a ring carries out; named in failures and in the engine SPI. */
public enum IoOp
{
    /** Positional read into one buffer (pread). */
    READ,
    /** Positional write from one buffer (pwrite). */
    WRITE,
    /** Positional read scattered into several buffers (preadv). */
    READV,
    /** Positional write gathered from several buffers (pwritev). */
    WRITEV,
    /** fsync(2): data and metadata. */
    FSYNC,
    /** fdatasync(2): data and the metadata needed to read it back. */
    FDATASYNC,
    /**
     * A no-op through the engine (io_uring's IORING_OP_NOP; completed at once by the others): the cost of the ring
     * itself, for benchmarks and health checks.
     */
    NOP,
    /**
     * A barrier: waits in the ring until the writes it covers completed, then syncs (see {@code docs/DURABILITY.md}).
     * Never reaches a backend as such; the sync it issues is an FSYNC or FDATASYNC.
     */
    BARRIER;

    /** @return true for operations that move bytes (and may complete short). */
    public boolean transfersData()
    {
        return this == READ || this == WRITE || this == READV || this == WRITEV;
    }

    /** @return true for operations that write to the file. */
    public boolean writes()
    {
        return this == WRITE || this == WRITEV;
    }

    /** @return true for the vectored forms. */
    public boolean vectored()
    {
        return this == READV || this == WRITEV;
    }

    /** @return true for fsync and fdatasync. */
    public boolean syncs()
    {
        return this == FSYNC || this == FDATASYNC;
    }
}
