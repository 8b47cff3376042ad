package dev.pageio.core;

/** The two modes of batched submission, as {@code lio_listio(3)} has them. */
public enum BatchMode
{
    /** Return once every operation of the batch has completed ({@code LIO_WAIT}). */
    WAIT,
    /** Return once the batch is submitted; a future completes when all have ({@code LIO_NOWAIT}). */
    NOWAIT
}
