package dev.pageio.core;

/** What a barrier's sync makes durable (docs/DURABILITY.md rule 9). */
public enum BarrierMode
{
    /** fdatasync: enough for overwrites of allocated blocks. */
    DATA,
    /** fsync: data and all metadata. */
    FULL,
    /** DATA, upgraded to FULL when a covered write grew the file past the size of the last FULL sync. */
    AUTO
}
