package dev.pageio.bench;

/**
 * What a pageio engine asked of the kernel, summed over its rings ({@code RingBackend.systemCalls()},
 * {@code submitCalls()}, {@code requestsSubmitted()}, read on each ring's agent): the bench's system calls per I/O
 * and mean batch size. -1 in a field where the engine does not count (the thread engine, the JDK engines).
 *
 * @param systemCalls       system calls the rings' agents made.
 * @param submitCalls       the ones that handed requests to the kernel.
 * @param requestsSubmitted requests the kernel accepted.
 * @param fixedBufferOps    io_uring requests that used a registered buffer (READ_FIXED/WRITE_FIXED).
 * @param fixedFileOps      io_uring requests that used a registered file (IOSQE_FIXED_FILE).
 */
record KernelCounts(long systemCalls, long submitCalls, long requestsSubmitted, long fixedBufferOps, long fixedFileOps)
{
    /** Nothing known. */
    static final KernelCounts UNKNOWN = new KernelCounts(-1, -1, -1, -1, -1);

    /** @return this minus {@code start}, field by field; unknown where either is. */
    KernelCounts since(final KernelCounts start)
    {
        return new KernelCounts(minus(systemCalls, start.systemCalls), minus(submitCalls, start.submitCalls),
            minus(requestsSubmitted, start.requestsSubmitted), minus(fixedBufferOps, start.fixedBufferOps),
            minus(fixedFileOps, start.fixedFileOps));
    }

    /** @return system calls per completed I/O, or -1 when unknown. */
    double systemCallsPerIo(final long ios)
    {
        return systemCalls >= 0 && ios > 0 ? (double)systemCalls / ios : -1;
    }

    /** @return requests per submitting system call, or -1 when unknown or none was made (SQPOLL). */
    double meanBatch()
    {
        return submitCalls > 0 && requestsSubmitted >= 0 ? (double)requestsSubmitted / submitCalls : -1;
    }

    private static long minus(final long end, final long start)
    {
        return end < 0 || start < 0 ? -1 : end - start;
    }
}
