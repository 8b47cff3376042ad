package dev.pageio.stress;

import dev.pageio.core.CancelOutcome;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.IoStatus;
import dev.pageio.core.RingConfig;
import dev.pageio.testing.sim.SimulatedEngine;
import dev.pageio.testing.sim.SimulatedFile;
import dev.pageio.testing.sim.SimulatedSchedule;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The slot lifecycle against a stale cancel, and cancel racing completion, on the kernel engines' path: a CALLER
 * ring of queue depth 1 over the simulated device (whose backend, like io_uring's and AIO's, is driven by the agent
 * and answers a cancel of a request it was given with "in progress"; the thread engine's own race is
 * {@link ThreadEngineCancelStress}). Request A holds the ring's only slot. The canceller cancels A
 * ({@code IoRequest.cancel}: it reads A's slot and generation, and the agent checks them when the command runs),
 * while the poller drives the ring until A completes and then submits B, which takes the same slot in its next
 * generation. A cancel meant for A must never reach B; A gets exactly one of the answers, and its status agrees.
 *
 * <p>Results: r1 = the cancel's answer; r2 = A's final status; r3 = B's completions, as "ok" (exactly one, success),
 * else what B's handler saw (e.g. "ECANCELED", "ok+ok" for a completion delivered twice, "none").
 */
@JCStressTest
@Outcome(id = "CANCELED, CANCELED, ok", expect = ACCEPTABLE, desc = "A canceled while still queued")
@Outcome(id = "NOT_CANCELED, COMPLETED, ok", expect = ACCEPTABLE, desc = "A already with the device: it completes")
@Outcome(id = "ALREADY_DONE, COMPLETED, ok", expect = ACCEPTABLE, desc = "A done first (the slot may be B's by then)")
@Outcome(id = ".*, .*, ECANCELED.*", expect = FORBIDDEN, desc = "a cancel meant for A canceled B: the generation check failed")
@Outcome(id = "CANCELED, COMPLETED, .*", expect = FORBIDDEN, desc = "CANCELED answered, but A completed")
@Outcome(id = "(NOT_CANCELED|ALREADY_DONE), CANCELED, .*", expect = FORBIDDEN, desc = "A canceled, but the answer denies it")
@Outcome(expect = FORBIDDEN, desc = "anything else: B completed twice or never, A or the answer never done")
@State
public class SlotGenerationCancelStress
{
    /** Duty cycles the arbiter runs at most before calling a request lost (the device delays by a few cycles). */
    private static final int MAX_POLLS = 100_000;

    private final IoRing ring;
    private final IoFile file;
    private final IoRequest a;
    private final ByteBuffer bufferB = ByteBuffer.allocateDirect(SimulatedFile.SECTOR);
    private final StringBuilder seenByB = new StringBuilder();
    private final AtomicInteger deliveriesToB = new AtomicInteger();
    private volatile CompletableFuture<CancelOutcome> answer;
    private volatile String submitB;

    /** A CALLER ring with one slot; A is queued in it. */
    public SlotGenerationCancelStress()
    {
        try
        {
            final SimulatedSchedule schedule = new SimulatedSchedule(1);
            schedule.maxWriteDelayCycles = 2;
            ring = SimulatedEngine.open(RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER).queueDepth(1)
                .name("jcstress-slot-generation"), schedule);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        file = ring.adopt(new SimulatedFile(Path.of("jcstress-slot-generation")));
        a = new IoRequest().read(file, 0, ByteBuffer.allocateDirect(SimulatedFile.SECTOR)).submit();
    }

    /** Cancels A: a caller that still holds its handle. */
    @Actor
    public void canceller()
    {
        answer = a.cancel();
    }

    /** Drives the ring until A is done, then reuses its slot for B (left queued). */
    @Actor
    public void poller()
    {
        for (int i = 0; i < MAX_POLLS && !a.isDone(); i++)
        {
            ring.poll();
        }
        try
        {
            // queue depth 1: B takes A's slot, in its next generation (the submit helps the ring if it must wait)
            file.read(0, bufferB, new IoHandler<StringBuilder>()
            {
                @Override
                public void completed(final long result, final StringBuilder seen, final long token)
                {
                    deliveriesToB.incrementAndGet();
                    append(seen, "ok");
                }

                @Override
                public void failed(final IoFailure failure, final StringBuilder seen, final long token)
                {
                    deliveriesToB.incrementAndGet();
                    append(seen, failure.errnoName());
                }
            }, seenByB, 0);
            submitB = "submitted";
        }
        catch (final RuntimeException e)
        {
            submitB = e.getClass().getSimpleName();
        }
    }

    private static void append(final StringBuilder seen, final String what)
    {
        synchronized (seen)
        {
            seen.append(seen.length() == 0 ? "" : "+").append(what);
        }
    }

    /** After both: runs the ring until A, B and the answer are done (the stale cancel, if queued, runs here). */
    @Arbiter
    public void arbiter(final LLL_Result r)
    {
        final CompletableFuture<CancelOutcome> f = answer;
        for (int i = 0; i < MAX_POLLS && (!a.isDone() || f == null || !f.isDone() || deliveriesToB.get() == 0); i++)
        {
            ring.poll();
        }
        // a few more cycles: a duplicate delivery would come now
        for (int i = 0; i < 8; i++)
        {
            ring.poll();
        }
        r.r1 = f == null ? "no-cancel" : f.isDone() ? String.valueOf(f.join()) : "LOST";
        final IoStatus s = a.status();
        r.r2 = String.valueOf(s);
        final String b;
        synchronized (seenByB)
        {
            b = seenByB.length() == 0 ? "none" : seenByB.toString();
        }
        r.r3 = submitB != null && !"submitted".equals(submitB) ? submitB : b;
        try
        {
            ring.close();
        }
        catch (final IoFailure e)
        {
            r.r3 = "close failed: " + e.errnoName();
        }
    }
}
