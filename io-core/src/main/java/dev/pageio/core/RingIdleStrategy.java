package dev.pageio.core;

import org.agrona.concurrent.IdleStrategy;

/**
 * The dedicated agent thread's idle strategy: the configured {@link IdleStrategy} (busy-spin, yield, back-off)
 * while the ring has been idle for less than {@link RingConfig#sleepAfterIdleNs()}, then a sleep in the kernel
 * ({@link RingAgent#sleepInKernel()}) until a completion or a submitter's wakeup. The protocol that makes the sleep
 * safe is documented on {@link RingAgent}.
 */
final class RingIdleStrategy implements IdleStrategy
{
    private final IdleStrategy delegate;
    private final long sleepAfterIdleNs;
    private final RingAgent agent;
    private long idleSinceNs;

    RingIdleStrategy(final IdleStrategy delegate, final long sleepAfterIdleNs, final RingAgent agent)
    {
        this.delegate = delegate;
        this.sleepAfterIdleNs = sleepAfterIdleNs;
        this.agent = agent;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        final long now = System.nanoTime();
        if (idleSinceNs == 0)
        {
            idleSinceNs = now;
        }
        if (now - idleSinceNs >= sleepAfterIdleNs)
        {
            agent.sleepInKernel();
            reset();
        }
        else
        {
            delegate.idle();
        }
    }

    @Override
    public void reset()
    {
        idleSinceNs = 0;
        delegate.reset();
    }

    @Override
    public String alias()
    {
        return "ring-" + delegate.alias();
    }
}
