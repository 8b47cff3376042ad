package dev.pageio.core;

/** The three answers of a cancel, as {@code aio_cancel(3)} gives them. */
public enum CancelOutcome
{
    /** The request was canceled; it completed with ECANCELED ({@code AIO_CANCELED}). */
    CANCELED,
    /** The request is in progress and could not be canceled; it will complete normally ({@code AIO_NOTCANCELED}). */
    NOT_CANCELED,
    /** The request had already completed ({@code AIO_ALLDONE}). */
    ALREADY_DONE
}
