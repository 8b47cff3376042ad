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
 * {@link FileCloseStress} with a read: a request that takes no write sequence number, so only the file's request
 * count ({@code FileState.enter}) stands between it and the close (a write is also refused by the closed
 * numbering). The read is either refused or run before the descriptor is closed.
 */
@JCStressTest
@Outcome(id = "refused, ok, clean", expect = ACCEPTABLE, desc = "the close came first: the read is refused")
@Outcome(id = "ok, ok, clean", expect = ACCEPTABLE, desc = "the read came first: it completes, then the file closes")
@Outcome(expect = FORBIDDEN, desc = "a read on a closed file, a lost read, or a close that never finished")
@State
public class FileCloseReadStress
{
    private final MemoryFile memory = new MemoryFile("jcstress-close");
    private final IoFile file = StressRings.threads().adopt(memory);
    private final ByteBuffer buffer = ByteBuffer.allocate(512);
    private volatile CompletableFuture<Long> read;
    private volatile String refused;
    private volatile CompletableFuture<Void> close;

    /** The submitter. */
    @Actor
    public void submitter()
    {
        try
        {
            read = file.read(0, buffer);
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
        r.r1 = refused != null ? refused : read == null ? "not-submitted" : StressRings.outcome(read);
        r.r3 = memory.afterClose.get() == 0 && memory.closed() ? "clean" :
            "afterClose=" + memory.afterClose.get() + " closed=" + memory.closed();
    }
}
