package dev.pageio.stress;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One thread-engine ring per JVM, shared by the jcstress tests' states (a ring per state would cost threads). */
final class StressRings
{
    /** How long an arbiter waits for an accepted request before calling it lost. */
    static final long LOST_AFTER_SECONDS = 10;

    private static IoRing threads;
    private static IoFile sharedFile;

    private StressRings()
    {
    }

    static synchronized IoRing threads()
    {
        if (threads == null)
        {
            try
            {
                threads = IoRing.open(RingConfig.builder().engine("threads").workerThreads(2).queueDepth(256)
                    .name("jcstress-threads").build());
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
        return threads;
    }

    /** A file on {@link #threads()} that is never closed. */
    static synchronized IoFile sharedFile()
    {
        if (sharedFile == null)
        {
            sharedFile = threads().adopt(new MemoryFile("jcstress-shared"));
        }
        return sharedFile;
    }

    /** @return "ok", or what became of a future that did not complete normally. */
    static String outcome(final CompletableFuture<?> f)
    {
        try
        {
            f.get(LOST_AFTER_SECONDS, TimeUnit.SECONDS);
            return "ok";
        }
        catch (final java.util.concurrent.TimeoutException e)
        {
            return "LOST";
        }
        catch (final java.util.concurrent.ExecutionException e)
        {
            final Throwable c = e.getCause();
            return c instanceof dev.pageio.core.IoFailure ? ((dev.pageio.core.IoFailure)c).errnoName() :
                c.getClass().getSimpleName();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
