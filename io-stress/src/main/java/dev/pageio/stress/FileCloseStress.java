package dev.pageio.stress;

import dev.pageio.core.ClosedFileException;
import dev.pageio.core.IoFile;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A file's close racing a submitter, on the thread engine: the write is either refused (ClosedFileException) or
 * accepted and then completed before the descriptor is closed (close is a barrier, then close: BARRIER.md rule 11).
 * Never a write run on a closed file, never an accepted write that does not complete, never a close that hangs.
 */
@JCStressTest
@Outcome(id = "refused, ok, clean", expect = ACCEPTABLE, desc = "the close came first: the write is refused")
@Outcome(id = "ok, ok, clean", expect = ACCEPTABLE, desc = "the write came first: it completes, then the file closes")
@Outcome(expect = FORBIDDEN, desc = "a write on a closed file, a lost write, or a close that never finished")
@State
public class FileCloseStress
{
    private final MemoryFile memory = new MemoryFile("jcstress-close");
    private final IoFile file = StressRings.threads().adopt(memory);
    private final ByteBuffer buffer = ByteBuffer.allocate(512);
    private volatile CompletableFuture<Long> write;
    private volatile String refused;
    private volatile CompletableFuture<Void> close;

    /** The submitter. */
    @Actor
    public void submitter()
    {
        try
        {
            write = file.write(0, buffer);
        }
        catch (final ClosedFileException e)
        {
            refused = "refused";
        }
    }

    /** The closer. */
    @Actor
    public void closer()
    {
        close = file.closeAsync();
    }

    /** After both: what became of each. */
    @Arbiter
    public void arbiter(final LLL_Result r)
    {
        // (jcstress's sanity check runs the arbiter alone: neither then)
        r.r2 = close == null ? "not-closed" : StressRings.outcome(close);
        r.r1 = refused != null ? refused : write == null ? "not-submitted" : StressRings.outcome(write);
        r.r3 = memory.afterClose.get() == 0 && memory.closed() ? "clean" :
            "afterClose=" + memory.afterClose.get() + " closed=" + memory.closed();
    }
}
