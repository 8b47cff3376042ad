package dev.pageio.core;

import dev.pageio.core.spi.FileAccess;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The request count of one file ({@link FileState}, through its package-private door) against its close: a
 * submitter counts a request in and out ({@code enter}, {@code exit}, as a request that completes), while the
 * closer closes the file ({@code beginClose}, which counts the close in) and then lets go of its own count
 * ({@code exit}, as {@code IoFile.closeAsync} does once its close barrier is queued). The close hook (which closes
 * the descriptor) must run exactly once, and never while the closer still holds its count: that is the window in
 * which the close barrier is queued, and a hook run there closes the file under the barrier's sync.
 *
 * <p>A request counted in after the hook ran is the other way to break it (mutation j04: {@code enter} that looks at
 * the closed bit, then counts itself in, in two steps): the request then runs on a closed descriptor.
 *
 * <p>Results: r1 = 1 when the submitter was counted in while the file was open, 0 when refused, 2 when it was
 * counted in after the close hook had run; r2 = 1 when the hook ran while the closer still held its count; r3 = how
 * often the hook ran.
 */
@JCStressTest
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "the request came first; the file closed once both were out")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE, desc = "the close came first: the request was refused")
@Outcome(id = ".*, 1, .*", expect = FORBIDDEN, desc = "closed while the close still held its count (under its barrier)")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "a request counted in after the descriptor was closed (check-then-act)")
@Outcome(expect = FORBIDDEN, desc = "the close hook ran twice, or never")
@State
public class FileStateCloseStress
{
    private static final FileAccess NO_FILE = new FileAccess(Path.of("jcstress-file-state"))
    {
        @Override
        public int fd()
        {
            return -1;
        }

        @Override
        public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        {
            throw new UnsupportedOperationException("no I/O in this test");
        }

        @Override
        public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
        {
            throw new UnsupportedOperationException("no I/O in this test");
        }

        @Override
        public void sync(final boolean metadata)
        {
            throw new UnsupportedOperationException("no I/O in this test");
        }

        @Override
        public long size()
        {
            return 0;
        }

        @Override
        public void close()
        {
        }
    };

    private final FileState state = new FileState(NO_FILE, "jcstress-file-state", null, this::closeHook);
    private volatile boolean closerReleasing;
    private volatile int entered;
    private volatile int closedEarly;
    private volatile int hookRuns;

    private void closeHook()
    {
        if (!closerReleasing)
        {
            closedEarly = 1;
        }
        hookRuns++;
    }

    /** A request that is counted in and completes. */
    @Actor
    public void submitter()
    {
        try
        {
            state.enter();
        }
        catch (final ClosedFileException e)
        {
            return;
        }
        // counted in: the hook cannot have run (it runs once the count is 0 after the close, and ours is not out)
        entered = hookRuns == 0 ? 1 : 2;
        state.exit();
    }

    /** {@code IoFile.closeAsync}: close, (queue the close barrier,) then let go of the close's own count. */
    @Actor
    public void closer()
    {
        if (state.beginClose())
        {
            closerReleasing = true;
            state.exit();
        }
    }

    /** After both. */
    @Arbiter
    public void arbiter(final III_Result r)
    {
        r.r1 = entered;
        r.r2 = closedEarly;
        r.r3 = hookRuns;
    }
}
