package dev.pageio.core.spi;

/** Where a backend delivers what it reaped. Called on the ring agent thread only. */
public interface CompletionSink
{
    /**
     * One completion of a request handed over by {@link RingBackend#prepare}.
     *
     * @param request the request.
     * @param result  bytes transferred (or 0 for syncs), or {@code -errno}.
     */
    void complete(Request request, long result);

    /**
     * The answer to a {@link RingBackend#cancel} of a request in the kernel. A canceled request still
     * completes separately through {@link #complete} (with {@code -ECANCELED}).
     *
     * @param request the request whose cancel was asked.
     * @param result  0 when canceled, {@code -ENOENT} when it was no longer there (already done),
     *                {@code -EALREADY} or another negative value when it could not be canceled.
     */
    void cancelResult(Request request, int result);
}
