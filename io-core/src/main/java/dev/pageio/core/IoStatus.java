package dev.pageio.core;

/** The status of an {@link IoRequest}, as {@code aio_error(3)} reports it. */
public enum IoStatus
{
    /** Never submitted. */
    IDLE,
    /** Submitted and not yet complete ({@code EINPROGRESS}). */
    IN_PROGRESS,
    /** Completed; {@link IoRequest#result()} holds the byte count. */
    COMPLETED,
    /** Failed; {@link IoRequest#failure()} holds the errno. */
    FAILED,
    /** Canceled ({@code ECANCELED}). */
    CANCELED
}
