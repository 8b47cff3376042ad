package dev.pageio.core;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * IoRequest's failure publication: a reader that sees FAILED sees the failure and its errno (the same release in
 * {@code finish}, the same acquire in {@code status()}), never a null failure or errno 0.
 */
@JCStressTest
@Outcome(id = "IN_PROGRESS, -", expect = ACCEPTABLE, desc = "the reader came before the failure")
@Outcome(id = "FAILED, EIO", expect = ACCEPTABLE, desc = "FAILED, with the failure's errno")
@Outcome(expect = FORBIDDEN, desc = "FAILED with no failure or a stale errno: the release/acquire pair is broken")
@State
public class IoRequestFailureStress
{
    private static final IoFailure EIO = IoFailure.of(IoOp.WRITE, "stress", 3, 0, 4096, Errno.EIO, "injected", null);

    private final IoRequest request = new IoRequest();

    /** A request in progress, as the ring leaves it after accepting it. */
    public IoRequestFailureStress()
    {
        request.begin(null);
    }

    /** The ring's agent fails the request. */
    @Actor
    public void agent()
    {
        IoRequest.HANDLER.failed(EIO, request, 0);
    }

    /** The caller polls it. */
    @Actor
    public void caller(final LL_Result r)
    {
        final IoStatus s = request.status();
        r.r1 = s;
        if (s == IoStatus.FAILED)
        {
            final IoFailure f = request.failure();
            r.r2 = f == null ? "null" : f.errnoName();
        }
        else
        {
            r.r2 = "-";
        }
    }
}
