package dev.pageio.core;

/**
 * What a waiting thread may ask of the ring's driver: whether it is the agent's own thread (which must not wait for
 * itself), and to drive one duty cycle of a CALLER ring that nobody is polling, so that waiting makes progress.
 * Implemented by {@link RingDriver}; the machinery that waits ({@link BarrierTracker}, {@link Submission},
 * {@link Backoff}) sees only this.
 */
interface Progress
{
    /** @return true on the thread that drives the ring's agent now. */
    boolean onAgentThread();

    /** @return true when this thread drove one duty cycle that did work. */
    boolean helpProgress();

    /**
     * @return true when the ring moves only when some thread drives it (a {@link RingConfig.ThreadMode#CALLER}
     * ring): a waiter must not park unbounded, it may be the one that has to drive it.
     */
    default boolean drivenByCaller()
    {
        return false;
    }
}
