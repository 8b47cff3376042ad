package dev.pageio.core;

/**
 * A ring's counters as a JMX MXBean, published by {@link IoRing#registerMBean()} as
 * {@code dev.pageio:type=Ring,name=<ring name>}: each attribute is the same-named value of {@link IoRing#stats()},
 * read when the attribute is read. The {@code get} prefixes, which the rest of pageio does without, are what JMX
 * needs to see attributes.
 */
public interface RingMXBean
{
    /** @return {@link RingStats#ringName()}. */
    String getRingName();

    /** @return {@link RingStats#engine()}. */
    String getEngine();

    /** @return {@link RingStats#submitted()}. */
    long getSubmitted();

    /** @return {@link RingStats#completed()}. */
    long getCompleted();

    /** @return {@link RingStats#failed()}. */
    long getFailed();

    /** @return {@link RingStats#inFlight()}. */
    long getInFlight();

    /** @return {@link RingStats#completed(IoOp)} of READ and READV. */
    long getReads();

    /** @return {@link RingStats#completed(IoOp)} of WRITE and WRITEV. */
    long getWrites();

    /** @return {@link RingStats#bytesRead()}. */
    long getBytesRead();

    /** @return {@link RingStats#bytesWritten()}. */
    long getBytesWritten();

    /** @return {@link RingStats#systemCalls()}. */
    long getSystemCalls();

    /** @return {@link RingStats#submitCalls()}. */
    long getSubmitCalls();

    /** @return {@link RingStats#waitCalls()}. */
    long getWaitCalls();

    /** @return {@link RingStats#wakeups()}. */
    long getWakeups();

    /** @return {@link RingStats#systemCallsPerIo()}. */
    double getSystemCallsPerIo();

    /** @return {@link RingStats#batches()}. */
    long getBatches();

    /** @return {@link RingStats#meanBatchSize()}. */
    double getMeanBatchSize();

    /** @return {@link RingStats#queueFullWaits()}. */
    long getQueueFullWaits();

    /** @return {@link RingStats#queueFullRejections()}. */
    long getQueueFullRejections();

    /** @return {@link RingStats#agentSleeps()}. */
    long getAgentSleeps();

    /** @return {@link RingStats#syncsIssued()}. */
    long getSyncsIssued();

    /** @return {@link RingStats#barriersCompleted()}. */
    long getBarriersCompleted();

    /** @return {@link RingStats#commitsPerSync()}. */
    double getCommitsPerSync();
}
