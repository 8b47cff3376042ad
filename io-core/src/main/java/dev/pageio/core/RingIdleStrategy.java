package dev.pageio.core;

import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * The dedicated agent thread's idle strategy: the configured {@link IdleStrategy} (busy-spin, yield, back-off)
 * while the ring has been idle for less than the spin budget {@link RingConfig#sleepAfterIdleNs()}, then a sleep in
 * the kernel ({@link RingAgent#sleepInKernel()}) until a completion or a submitter's wakeup. The protocol that makes
 * the sleep safe is documented on {@link RingAgent}.
 *
 * <p><b>Adaptive spin</b> ({@link RingConfig#adaptiveSpin()}, on by default). Spinning pays only when the wait it
 * covers ends within the budget. So the ring keeps a moving estimate of its completion wait: the time from the
 * moment the agent ran out of work with requests in flight to the moment work came back (a completion, usually),
 * an exponentially weighted mean with weight 1/8 per wait. When requests are in flight and the estimate is at least
 * the spin budget, the agent blocks in the kernel at once ({@code io_uring_enter} with {@code min_complete} 1 and
 * an EXT_ARG timeout, {@code io_getevents} with {@code min_nr} 1) instead of spinning the budget first: on a disk
 * at QD1 that took ~55 us per read, the agent used to spin its 50 us budget on every I/O and then sleep anyway
 * (issue 16, item 3). With nothing in flight the old rule holds (spin the budget, then sleep), since the wait is
 * for a submitter, whose wakeup costs it a system call. Waits spent asleep include the kernel's wake-up latency,
 * so the estimate could stay above the budget after the device got faster (when the wake-up alone costs more than
 * the budget minus the device's latency); every {@link #PROBE_EVERY}-th wait therefore spins the budget anyway (a
 * probe), and a probe weighs 1/2 in the estimate: one short probe brings spinning back, and a slow device's next
 * waits, spun and long, push the estimate back over the budget within a wait or two.
 *
 * <p>When the next wait is to sleep at once ({@link #sleepsAtOnceNext()}) and the backend can submit in its wait
 * ({@code RingBackend.submitsInAwait()}: io_uring without SQPOLL), the agent leaves the batch it just prepared to the
 * sleep and sleeps in the same duty cycle: one {@code io_uring_enter} submits and waits, as fio does at QD1,
 * instead of one to submit and one to wait.
 *
 * <p>No allocation and no lock: a few long fields, read and written by the agent thread only; one
 * {@code nanoTime} per idle duty cycle, as before, and one more when work comes back after idling.
 */
final class RingIdleStrategy implements IdleStrategy
{
    /** One wait in this many spins the budget whatever the estimate says, to re-learn a faster device. */
    static final int PROBE_EVERY = 32;

    /** What the strategy needs of the agent (agent thread). */
    interface Sleeper
    {
        /** @return requests handed to the kernel whose completion has not been reaped. */
        int requestsInFlight();

        /** Blocks in the kernel until a completion or a wakeup, unless work arrived meanwhile. */
        void sleepInKernel();
    }

    private final IdleStrategy delegate;
    private final long sleepAfterIdleNs;
    private final boolean adaptive;
    private final Sleeper sleeper;
    private final NanoClock clock;

    /** Start of the current idle stretch (spin timer), or 0. */
    private long idleSinceNs;
    /** Start of the current wait for the kernel (idle with requests in flight), or 0. */
    private long waitSinceNs;
    /** Moving estimate of a wait for the kernel, in ns. */
    private long waitEstimateNs;
    private boolean probing;
    private long waits;
    private long immediateSleeps;

    RingIdleStrategy(final IdleStrategy delegate, final RingConfig config, final Sleeper sleeper)
    {
        this(delegate, config.sleepAfterIdleNs(), config.adaptiveSpin(), sleeper, SystemNanoClock.INSTANCE);
    }

    RingIdleStrategy(final IdleStrategy delegate, final long sleepAfterIdleNs, final boolean adaptive,
        final Sleeper sleeper, final NanoClock clock)
    {
        this.delegate = delegate;
        this.sleepAfterIdleNs = sleepAfterIdleNs;
        this.adaptive = adaptive;
        this.sleeper = sleeper;
        this.clock = clock;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            workArrived();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        final long now = clock.nanoTime();
        if (idleSinceNs == 0)
        {
            idleSinceNs = now;
            if (waitSinceNs == 0 && sleeper.requestsInFlight() > 0)
            {
                waitSinceNs = now;
                probing = ++waits % PROBE_EVERY == 0;
            }
        }
        final boolean sleepAtOnce = adaptive && waitSinceNs != 0 && !probing && waitEstimateNs >= sleepAfterIdleNs;
        if (sleepAtOnce || now - idleSinceNs >= sleepAfterIdleNs)
        {
            if (sleepAtOnce && now == idleSinceNs)
            {
                immediateSleeps++;
            }
            sleeper.sleepInKernel();
            // the wait for the kernel, if any, goes on until work arrives: only the spin timer restarts
            idleSinceNs = 0;
            delegate.reset();
        }
        else
        {
            delegate.idle();
        }
    }

    private void workArrived()
    {
        if (waitSinceNs != 0)
        {
            final long waitedNs = clock.nanoTime() - waitSinceNs;
            // a probe spun, so it saw the device without the kernel's wake-up: it weighs 1/2, the others 1/8
            waitEstimateNs += (waitedNs - waitEstimateNs) >> (probing ? 1 : 3);
            probing = false;
            waitSinceNs = 0;
        }
        idleSinceNs = 0;
        delegate.reset();
    }

    /**
     * Agent thread: true when the next wait for the kernel is to sleep at once (adaptive, the estimate at least the
     * budget, and no probe due). The agent then sleeps inside its duty cycle right after preparing, and lets the
     * sleep's system call carry the submission ({@link dev.pageio.core.spi.RingBackend#submitsInAwait()}).
     */
    boolean sleepsAtOnceNext()
    {
        return adaptive && waitEstimateNs >= sleepAfterIdleNs && (waits + 1) % PROBE_EVERY != 0;
    }

    /** Agent thread: the agent sleeps at once inside its duty cycle; the wait for the kernel starts now. */
    void sleepingAtOnce()
    {
        waitSinceNs = clock.nanoTime();
        waits++;
        probing = false;
        immediateSleeps++;
    }

    @Override
    public void reset()
    {
        idleSinceNs = 0;
        waitSinceNs = 0;
        delegate.reset();
    }

    @Override
    public String alias()
    {
        return "ring-" + delegate.alias();
    }

    /** @return the moving estimate of a wait for the kernel, in ns (agent thread, or a test). */
    long waitEstimateNs()
    {
        return waitEstimateNs;
    }

    /** @return waits for the kernel that slept at once, without spinning first (agent thread, or a test). */
    long immediateSleeps()
    {
        return immediateSleeps;
    }
}
