package dev.pageio.core.spi;

/**
 * The operation of a {@link Request}, as a backend sees it: the SPI's own copy of the public
 * {@code dev.pageio.core.IoOp}, constant for constant and in the same order, so that the SPI names nothing of the
 * core package. The ring maps one to the other.
 */
public enum RequestOp
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
    /** A no-op through the engine (io_uring's IORING_OP_NOP; completed at once by the others). */
    NOP,
    /** A barrier: held by the ring, never handed to a backend as such (its sync is an FSYNC or FDATASYNC). */
    BARRIER;

    /** @return true for operations that move bytes (and may complete short). */
    public boolean transfersData()
    {
        return this == READ || this == WRITE || this == READV || this == WRITEV;
    }

    /** @return true for WRITE and WRITEV. */
    public boolean writes()
    {
        return this == WRITE || this == WRITEV;
    }

    /** @return true for READV and WRITEV. */
    public boolean vectored()
    {
        return this == READV || this == WRITEV;
    }

    /** @return true for FSYNC and FDATASYNC. */
    public boolean syncs()
    {
        return this == FSYNC || this == FDATASYNC;
    }
}
