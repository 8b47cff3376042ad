package dev.pageio.core;

import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adaptive spin of {@link RingIdleStrategy} on a hand-driven clock: no timing of the machine is asserted. Each
 * "wait" is the agent running out of work, idling for a while (one duty cycle per microsecond), and work coming
 * back after the device's latency.
 */
class RingIdleStrategyTest
{
    private static final long BUDGET_NS = 50_000;
    private static final long STEP_NS = 1_000;

    @Test
    void shouldSpinTheBudgetAndThenSleepWhenNothingIsInFlight()
    {
        final Fixture f = new Fixture(true);
        f.inFlight = 0;
        for (int i = 0; i < 100; i++)
        {
            f.waitFor(200_000);
        }
        assertEquals(100, f.sleeps, "one sleep per wait, after the budget");
        assertEquals(100 * (BUDGET_NS / STEP_NS), f.spins, "the whole budget spun each time");
        assertEquals(0, f.strategy.immediateSleeps());
    }

    @Test
    void shouldSleepAtOnceWhenTheLearnedCompletionWaitExceedsTheSpinBudget()
    {
        // issue 16 item 3: a disk at QD1 that takes ~55 us per read against a 50 us budget
        final Fixture f = new Fixture(true);
        for (int i = 0; i < 64; i++)
        {
            f.waitFor(55_000);
        }
        assertTrue(f.strategy.waitEstimateNs() >= BUDGET_NS, "estimate=" + f.strategy.waitEstimateNs());
        final long spinsBefore = f.spins;
        final long sleepsBefore = f.sleeps;
        for (int i = 0; i < 31; i++)
        {
            f.waitFor(55_000);
        }
        // at most one of 32 waits is a probe that spins the budget
        assertTrue(f.spins - spinsBefore <= BUDGET_NS / STEP_NS, "spins=" + (f.spins - spinsBefore));
        assertTrue(f.sleeps - sleepsBefore >= 30, "sleeps=" + (f.sleeps - sleepsBefore));
        assertTrue(f.strategy.immediateSleeps() >= 30, "immediate sleeps=" + f.strategy.immediateSleeps());
    }

    @Test
    void shouldKeepSpinningWhenCompletionsComeBackWithinTheBudget()
    {
        // a fast device (tmpfs, NVMe at QD1): 10 us waits are cheaper spun than slept
        final Fixture f = new Fixture(true);
        for (int i = 0; i < 200; i++)
        {
            f.waitFor(10_000);
        }
        assertEquals(0, f.sleeps);
        assertEquals(0, f.strategy.immediateSleeps());
        assertTrue(f.strategy.waitEstimateNs() < BUDGET_NS, "estimate=" + f.strategy.waitEstimateNs());
    }

    @Test
    void shouldReturnToSpinningThroughItsProbesOnceTheDeviceGotFaster()
    {
        final Fixture f = new Fixture(true);
        for (int i = 0; i < 64; i++)
        {
            f.waitFor(200_000);
        }
        assertTrue(f.strategy.waitEstimateNs() >= BUDGET_NS);
        // The device speeds up; while the agent sleeps at once each wait also pays a 60 us wake-up (more than the
        // budget), so only the probes (one wait in 32, spun) see the device's 5 us.
        f.wakeUpNs = 60_000;
        for (int i = 0; i < 32 * 2; i++)
        {
            f.waitFor(5_000);
        }
        assertTrue(f.strategy.waitEstimateNs() < BUDGET_NS, "estimate=" + f.strategy.waitEstimateNs());
        final long sleepsBefore = f.sleeps;
        for (int i = 0; i < 100; i++)
        {
            f.waitFor(5_000);
        }
        assertEquals(sleepsBefore, f.sleeps, "back to spinning");
    }

    @Test
    void shouldSpinTheBudgetEveryTimeWhenAdaptiveSpinIsOff()
    {
        final Fixture f = new Fixture(false);
        for (int i = 0; i < 100; i++)
        {
            f.waitFor(55_000);
        }
        assertEquals(100, f.sleeps);
        assertEquals(100 * (BUDGET_NS / STEP_NS), f.spins);
        assertEquals(0, f.strategy.immediateSleeps());
    }

    @Test
    void shouldTellTheAgentWhenItsNextWaitSleepsAtOnceSoThatTheSleepCarriesTheSubmission()
    {
        final Fixture f = new Fixture(true);
        assertEquals(false, f.strategy.sleepsAtOnceNext(), "nothing learned yet: spin first");
        for (int i = 0; i < 64; i++)
        {
            f.waitFor(200_000);
        }
        int atOnce = 0;
        for (int i = 0; i < RingIdleStrategy.PROBE_EVERY; i++)
        {
            if (f.strategy.sleepsAtOnceNext())
            {
                atOnce++;
                // what the agent does: sleeps inside its duty cycle, then reports the work it did
                f.strategy.sleepingAtOnce();
                f.nowNs += 200_000;
                f.strategy.idle(1);
            }
            else
            {
                f.waitFor(200_000);
            }
        }
        assertEquals(RingIdleStrategy.PROBE_EVERY - 1, atOnce, "all but the probe");
        assertTrue(f.strategy.waitEstimateNs() >= BUDGET_NS, "the in-cycle sleeps are learned too");
        assertEquals(false, new Fixture(false).strategy.sleepsAtOnceNext());
    }

    @Test
    void shouldBeOnByDefaultAndConfigurable()
    {
        assertTrue(RingConfig.defaults().adaptiveSpin());
        assertEquals(false, RingConfig.builder().adaptiveSpin(false).build().adaptiveSpin());
    }

    /** A ring with requests in flight, a device answering after a set latency, and a clock the test moves. */
    private static final class Fixture implements RingIdleStrategy.Sleeper, IdleStrategy
    {
        final RingIdleStrategy strategy;
        long nowNs = 1;
        int inFlight = 1;
        long spins;
        long sleeps;
        long wakeUpNs;
        private long completionAtNs;

        Fixture(final boolean adaptive)
        {
            strategy = new RingIdleStrategy(this, BUDGET_NS, adaptive, this, () -> nowNs);
        }

        /** The agent runs out of work; the completion comes {@code latencyNs} later; the agent picks it up. */
        void waitFor(final long latencyNs)
        {
            completionAtNs = nowNs + latencyNs;
            while (nowNs < completionAtNs)
            {
                strategy.idle(0);
            }
            strategy.idle(1);
            nowNs += STEP_NS;
        }

        @Override
        public int requestsInFlight()
        {
            return inFlight;
        }

        @Override
        public void sleepInKernel()
        {
            sleeps++;
            // blocks until the completion (or a submitter's wakeup: none here), then pays the wake-up
            nowNs = Math.max(nowNs, completionAtNs) + wakeUpNs;
        }

        // the delegate: one busy duty cycle per call

        @Override
        public void idle(final int workCount)
        {
            idle();
        }

        @Override
        public void idle()
        {
            spins++;
            nowNs += STEP_NS;
        }

        @Override
        public void reset()
        {
        }
    }
}
