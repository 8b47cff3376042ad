package dev.pageio.stress;

import dev.pageio.core.CancelOutcome;
import dev.pageio.core.IoRequest;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Cancel racing completion on the thread engine, through the public API: one thread submits a read, another
 * cancels it while the ring hands it to a worker. Exactly one of CANCELED (and the read never ran) or COMPLETED
 * (and it ran once), and the cancel's answer agrees with it.
 */
@JCStressTest
@Outcome(id = "CANCELED, CANCELED, not-run", expect = ACCEPTABLE, desc = "canceled before a worker took it")
@Outcome(id = "NOT_CANCELED, COMPLETED, ran", expect = ACCEPTABLE, desc = "a worker was running it")
@Outcome(id = "ALREADY_DONE, COMPLETED, ran", expect = ACCEPTABLE, desc = "the cancel came after the completion")
@Outcome(id = "NEVER_SUBMITTED, COMPLETED, ran", expect = ACCEPTABLE,
    desc = "the cancel came before the submit: refused with IllegalStateException (issue 11 item 5), the read runs")
@Outcome(expect = FORBIDDEN, desc = "CANCELED with the read run, COMPLETED without it, a disagreeing answer, or a lost request")
@State
public class ThreadEngineCancelStress
{
    private final IoRequest request = new IoRequest();
    private final ByteBuffer buffer = ByteBuffer.allocate(512);
    private volatile CompletableFuture<CancelOutcome> cancel;
    private volatile String submitError;
    private volatile String cancelRefused;

    /** The submitter. */
    @Actor
    public void submitter()
    {
        try
        {
            request.read(StressRings.sharedFile(), 0, buffer).submit();
        }
        catch (final RuntimeException e)
        {
            submitError = e.getClass().getSimpleName();
        }
    }

    /** The canceler. */
    @Actor
    public void canceler()
    {
        try
        {
            cancel = request.cancel();
        }
        catch (final IllegalStateException e)
        {
            // a request never submitted has nothing to cancel (status=IDLE): the cancel came first
            cancelRefused = "NEVER_SUBMITTED";
        }
    }

    /** After both: what became of the request. */
    @Arbiter
    public void arbiter(final LLL_Result r)
    {
        if (submitError != null)
        {
            r.r1 = "submit failed: " + submitError;
            return;
        }
        boolean done;
        try
        {
            done = request.await(StressRings.LOST_AFTER_SECONDS, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            r.r1 = "arbiter interrupted";
            return;
        }
        CancelOutcome answer;
        try
        {
            // (jcstress's sanity check runs the arbiter alone: no cancel at all then)
            answer = cancel == null ? null : cancel.get(StressRings.LOST_AFTER_SECONDS, TimeUnit.SECONDS);
        }
        catch (final Exception e)
        {
            answer = null;
        }
        r.r1 = cancelRefused != null ? cancelRefused : answer == null ? "NO-ANSWER" : answer;
        r.r2 = done ? request.status() : "LOST";
        r.r3 = buffer.get(0) == 1 ? "ran" : "not-run";
    }
}
