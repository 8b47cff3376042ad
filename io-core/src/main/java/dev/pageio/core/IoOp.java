package dev.pageio.core;

import dev.pageio.core.spi.RequestOp;

/** The operations a ring carries out; named in failures and in the engine SPI. */
public enum IoOp
{
    /** Positional read into one buffer (pread). */
    READ(RequestOp.READ),
    /** Positional write from one buffer (pwrite). */
    WRITE(RequestOp.WRITE),
    /** Positional read scattered into several buffers (preadv). */
    READV(RequestOp.READV),
    /** Positional write gathered from several buffers (pwritev). */
    WRITEV(RequestOp.WRITEV),
    /** fsync(2): data and metadata. */
    FSYNC(RequestOp.FSYNC),
    /** fdatasync(2): data and the metadata needed to read it back. */
    FDATASYNC(RequestOp.FDATASYNC),
    /**
     * A no-op through the engine (io_uring's IORING_OP_NOP; completed at once by the others): the cost of the ring
     * itself, for benchmarks and health checks.
     */
    NOP(RequestOp.NOP),
    /**
     * A barrier: waits in the ring until the writes it covers completed, then syncs (see {@code docs/DURABILITY.md}).
     * Never reaches a backend as such; the sync it issues is an FSYNC or FDATASYNC.
     */
    BARRIER(RequestOp.BARRIER);

    /** By the SPI's ordinal: the operation a backend's {@link RequestOp} stands for. */
    private static final IoOp[] BY_REQUEST_OP = new IoOp[RequestOp.values().length];

    static
    {
        for (final IoOp op : values())
        {
            BY_REQUEST_OP[op.requestOp.ordinal()] = op;
        }
    }

    private final RequestOp requestOp;

    IoOp(final RequestOp requestOp)
    {
        this.requestOp = requestOp;
    }

    /** @return the SPI's name of this operation, for a backend's {@code Request}. */
    RequestOp requestOp()
    {
        return requestOp;
    }

    /** @return the operation of a backend's {@code Request}. */
    static IoOp of(final RequestOp op)
    {
        return BY_REQUEST_OP[op.ordinal()];
    }

    /** @return true for operations that move bytes (and may complete short). */
    public boolean transfersData()
    {
        return requestOp.transfersData();
    }

    /** @return true for operations that write to the file. */
    public boolean writes()
    {
        return requestOp.writes();
    }

    /** @return true for the vectored forms. */
    public boolean vectored()
    {
        return requestOp.vectored();
    }

    /** @return true for fsync and fdatasync. */
    public boolean syncs()
    {
        return requestOp.syncs();
    }
}
