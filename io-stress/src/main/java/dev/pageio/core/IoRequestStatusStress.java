package dev.pageio.core;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * IoRequest's status publication: the ring's handler writes the result, then {@code finish} publishes the status
 * with a release store; {@code status()} and {@code result()} read it with an acquire load. A reader that sees
 * COMPLETED must see the completion's result, never the 0 {@code begin} left there.
 *
 * <p>Drives the real {@code IoRequest} through its package-private door ({@link IoRequest#HANDLER}, the handler
 * the ring calls, and {@code begin}), which is why this class lives in {@code dev.pageio.core}.
 */
@JCStressTest
@Outcome(id = "IN_PROGRESS, -", expect = ACCEPTABLE, desc = "the reader came before the completion")
@Outcome(id = "COMPLETED, 4096", expect = ACCEPTABLE, desc = "COMPLETED, with the completion's result")
@Outcome(id = "COMPLETED, 0", expect = FORBIDDEN, desc = "COMPLETED seen with a stale result: the release/acquire pair is broken")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class IoRequestStatusStress
{
    private final IoRequest request = new IoRequest();

    /** A request in progress, as the ring leaves it after accepting it. */
    public IoRequestStatusStress()
    {
        request.begin(null);
    }

    /** The ring's agent completes the request. */
    @Actor
    public void agent()
    {
        IoRequest.HANDLER.completed(4096, request, 0);
    }

    /** The caller polls it. */
    @Actor
    public void caller(final LL_Result r)
    {
        final IoStatus s = request.status();
        r.r1 = s;
        r.r2 = s == IoStatus.COMPLETED ? Long.toString(request.result()) : "-";
    }
}
