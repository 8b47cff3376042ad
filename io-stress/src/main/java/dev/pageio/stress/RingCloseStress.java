package dev.pageio.stress;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.testing.sim.SimulatedEngine;
import dev.pageio.testing.sim.SimulatedFile;
import dev.pageio.testing.sim.SimulatedSchedule;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A ring's close racing a submitter, on a CALLER ring over the simulated device (no threads of its own, so a ring
 * per state is cheap; {@code close()} drives it to the end). Once {@code close()} has returned, the write was
 * refused, or accepted and completed or failed: never accepted and left pending on a ring that stopped.
 */
@JCStressTest
@Outcome(id = "refused, terminated", expect = ACCEPTABLE, desc = "the close came first: the submit is refused")
@Outcome(id = "ok, terminated", expect = ACCEPTABLE, desc = "accepted before the close: it completed")
@Outcome(id = "ECANCELED, terminated", expect = ACCEPTABLE, desc = "accepted, still queued when the close began: failed ECANCELED")
@Outcome(expect = FORBIDDEN, desc = "an accepted write left pending (lost), or a ring that did not terminate")
@State
public class RingCloseStress
{
    private final IoRing ring;
    private final IoFile file;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(SimulatedFile.SECTOR);
    private volatile CompletableFuture<Long> write;
    private volatile String refused;

    /** A fresh CALLER ring with one simulated file. */
    public RingCloseStress()
    {
        try
        {
            final SimulatedSchedule schedule = new SimulatedSchedule(1);
            schedule.maxWriteDelayCycles = 2;
            ring = SimulatedEngine.open(RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER).queueDepth(4)
                .name("jcstress-ring-close"), schedule);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        file = ring.adopt(new SimulatedFile(Path.of("jcstress-ring-close")));
    }

    /** The submitter. */
    @Actor
    public void submitter()
    {
        try
        {
            write = file.write(0, buffer);
        }
        catch (final IllegalStateException e)
        {
            // ClosedRingException, or ClosedFileException once the ring closed its files
            refused = "refused";
        }
    }

    /** The closer. */
    @Actor
    public void closer()
    {
        ring.close();
    }

    /** After both: no waiting, the ring has terminated, so every accepted request must be done. */
    @Arbiter
    public void arbiter(final LL_Result r)
    {
        final CompletableFuture<Long> w = write;
        // (jcstress's sanity check runs the arbiter alone: no write at all then)
        r.r1 = refused != null ? refused : w == null ? "not-submitted" : w.isDone() ? StressRings.outcome(w) : "LOST";
        r.r2 = ring.terminated().isDone() ? "terminated" : "running";
    }
}
