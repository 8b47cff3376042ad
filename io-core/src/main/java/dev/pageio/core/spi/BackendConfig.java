package dev.pageio.core.spi;

/**
 * What a backend reads of its ring's configuration, handed to {@link IoEngine#openBackend}: the SPI's own value, so
 * that the SPI names nothing of the core package. The ring builds it from its {@code RingConfig}
 * ({@code RingConfig.backendConfig()}), whose Javadoc says what each value means.
 *
 * @param name           the ring's name, for threads and messages.
 * @param queueDepth     the most requests in flight at once.
 * @param maxSegments    the most segments of a vectored request.
 * @param workerThreads  worker threads of the thread engine.
 * @param sqPoll         io_uring: a kernel submission thread (IORING_SETUP_SQPOLL).
 * @param coopTaskRun    io_uring: IORING_SETUP_COOP_TASKRUN | TASKRUN_FLAG asked for.
 * @param deferTaskRun   io_uring: IORING_SETUP_DEFER_TASKRUN asked for.
 * @param dedicatedAgent true when the ring's agent is its own thread (DEDICATED), false when callers drive it.
 */
public record BackendConfig(
    String name,
    int queueDepth,
    int maxSegments,
    int workerThreads,
    boolean sqPoll,
    boolean coopTaskRun,
    boolean deferTaskRun,
    boolean dedicatedAgent)
{
}
