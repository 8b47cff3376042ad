package dev.pageio.core;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RingBackend;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;
import org.jctools.queues.varhandle.MpscVarHandleArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The agent's sleep/wake handshake (Dekker): a submitter publishes a slot ({@link Submission#publish}: offer to the
 * submission queue, then {@link RingAgent#wakeIfSleeping()} reads {@code sleeping}) while the agent goes to sleep
 * ({@link RingAgent#sleepInKernel()}: writes {@code sleeping}, looks at the queues again, then blocks in the
 * backend's {@code await}). Either the agent's second look sees the slot (it does not sleep), or the submitter sees
 * {@code sleeping} and wakes it: the agent never sleeps with work queued and no wakeup coming (a lost wakeup; on a
 * real ring the request would wait for the 50 ms await timeout or the next submission).
 *
 * <p>Real {@code RingAgent} and {@code Submission} (package-private constructors, hence this package), with a
 * backend whose {@code await} models a sleep that only a wakeup ends: it returns when {@code wakeup()} was called or
 * once the submitter has finished its publish (after which nobody will wake it: if it is still not woken then, the
 * wakeup was lost). A guard of {@link #GUARD_SECONDS} keeps a descheduled submitter from hanging the run.
 *
 * <p>Results: r1 = "slept" when the agent blocked in {@code await}, "awake" when its second look saw the slot;
 * r2 = "woken" when the submitter called the backend's wakeup, "-" when not, "slow" when the guard ended the sleep.
 */
@JCStressTest
@Outcome(id = "awake, -", expect = ACCEPTABLE, desc = "the agent's second look saw the slot; no wakeup needed")
@Outcome(id = "slept, woken", expect = ACCEPTABLE, desc = "the submitter saw sleeping and woke the agent")
@Outcome(id = "awake, woken", expect = ACCEPTABLE, desc = "both saw each other: one spare wakeup (the next await returns at once)")
@Outcome(id = "slept, -", expect = FORBIDDEN, desc = "LOST WAKEUP: the agent sleeps with the slot queued and nobody wakes it")
@Outcome(id = ".*, slow", expect = ACCEPTABLE_INTERESTING, desc = "the guard ended the sleep: the submitter was descheduled for seconds")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class AgentSleepWakeStress
{
    /** Ends a sleep that nobody ends (a submitter descheduled this long): reported as "slow", not as a pass. */
    static final long GUARD_SECONDS = 20;

    private static final RingConfig CONFIG = RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER)
        .queueDepth(2).name("jcstress-sleep").build();

    private final SleepBackend backend = new SleepBackend();
    private final Submission submission;
    private final Slot slot;
    private volatile boolean published;

    /** A ring of two slots, the agent awake and idle; the submitter holds a filled slot. */
    public AgentSleepWakeStress()
    {
        final Slot[] slots = {new Slot(0, 1), new Slot(1, 1)};
        final MpmcVarHandleArrayQueue<Slot> freeSlots = new MpmcVarHandleArrayQueue<>(2);
        final MpscVarHandleArrayQueue<Slot> submissions = new MpscVarHandleArrayQueue<>(2);
        freeSlots.offer(slots[1]);
        final RingCounters counters = new RingCounters();
        final RingAgent agent = new RingAgent(CONFIG, backend, slots, submissions, freeSlots, List.of(), () -> { },
            counters, null, () -> { });
        final Progress progress = new Progress()
        {
            @Override
            public boolean onAgentThread()
            {
                return false;
            }

            @Override
            public boolean helpProgress()
            {
                return false;
            }
        };
        submission = new Submission(CONFIG, backend.name(), false, freeSlots, submissions, agent, progress, counters);
        slot = slots[0];
        backend.agent = agent;
    }

    /** Declared first: jcstress's sanity check runs the actors one after the other in this order. */
    @Actor
    public void submitter()
    {
        submission.publish(slot);
        published = true;
    }

    /** The agent, idle, goes to sleep. */
    @Actor
    public void agent()
    {
        backend.agent.sleepInKernel();
    }

    /** After both. */
    @Arbiter
    public void arbiter(final LL_Result r)
    {
        r.r1 = backend.slept ? "slept" : "awake";
        r.r2 = backend.guardEnded ? "slow" : backend.woken ? "woken" : "-";
    }

    /** A backend with no I/O: only {@code await} and {@code wakeup} matter here. */
    private final class SleepBackend implements RingBackend
    {
        RingAgent agent;
        volatile boolean woken;
        volatile boolean slept;
        volatile boolean guardEnded;

        @Override
        public String name()
        {
            return "jcstress-sleep";
        }

        @Override
        public boolean requiresDirectBuffers()
        {
            return false;
        }

        @Override
        public boolean requiresDescriptor()
        {
            return false;
        }

        @Override
        public boolean prepare(final Request request)
        {
            throw new UnsupportedOperationException("no I/O in this test");
        }

        @Override
        public int submit()
        {
            return 0;
        }

        @Override
        public int reap(final CompletionSink sink)
        {
            return 0;
        }

        @Override
        public int inFlight()
        {
            return 0;
        }

        /** Sleeps until woken, or until the submitter is done (then nobody will wake it). */
        @Override
        public void await(final long timeoutNs)
        {
            slept = true;
            final long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(GUARD_SECONDS);
            while (!woken && !published)
            {
                if (System.nanoTime() - guard > 0)
                {
                    guardEnded = true;
                    return;
                }
                Thread.yield();
            }
            // published, and not woken yet: the wakeup, if it is coming, is made before published was set
        }

        @Override
        public void wakeup()
        {
            woken = true;
        }

        @Override
        public void cancel(final Request request)
        {
            throw new UnsupportedOperationException("no I/O in this test");
        }

        @Override
        public void close()
        {
        }
    }
}
