package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.core.IoRing;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The registration of a {@link PageStore}'s buffer pool with its ring (io_uring's fixed buffers), once at open.
 *
 * <p>Threading: the thread opening the store.
 */
final class PoolRegistration
{
    /** Set once the first registration failure was logged: the warning comes once per process, not per store. */
    private static final AtomicBoolean REGISTRATION_FAILURE_LOGGED = new AtomicBoolean();

    /**
     * On a ring the store owns, registers the pool's whole region as one buffer ({@link IoRing#registerBuffers}),
     * so that on io_uring page I/O from pool buffers goes as READ_FIXED/WRITE_FIXED (the kernel skips pinning the
     * pages per request). An optimisation that fails soft: where the engine has no registered buffers
     * (-EOPNOTSUPP) or the kernel refuses (-ENOMEM over RLIMIT_MEMLOCK), the store runs with plain READ/WRITE and
     * keeps the reason ({@link PageStore#bufferRegistrationCause()}); a refusal is logged once per process.
     *
     * @param ring the store's own ring.
     * @param pool the store's buffers.
     * @return null when registered, else why not.
     */
    static String register(final IoRing ring, final AlignedBufferPool pool)
    {
        if (pool.regionBytes() > Integer.MAX_VALUE)
        {
            return "pool region too large to register: regionBytes=" + pool.regionBytes() + " max=" + Integer.MAX_VALUE;
        }
        final ByteBuffer region = Linux.wrap(pool.baseAddress(), (int)pool.regionBytes());
        String cause;
        try
        {
            final int r = ring.registerBuffers(region).get();
            if (r >= 0)
            {
                return null;
            }
            if (r == -Errno.EOPNOTSUPP)
            {
                return "engine has no registered buffers: engine=" + ring.engineName();
            }
            cause = "registerBuffers failed: errno=" + Errno.name(-r) + " engine=" + ring.engineName() +
                " regionBytes=" + pool.regionBytes() + (r == -Errno.ENOMEM ? " (RLIMIT_MEMLOCK: ulimit -l)" : "");
        }
        catch (final ExecutionException e)
        {
            cause = "registerBuffers failed: " + e.getCause();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return "registerBuffers interrupted";
        }
        if (REGISTRATION_FAILURE_LOGGED.compareAndSet(false, true))
        {
            System.getLogger(PageStore.class.getName()).log(System.Logger.Level.WARNING,
                "page buffers not registered, running with plain READ/WRITE (logged once): " + cause);
        }
        return cause;
    }

    private PoolRegistration()
    {
    }
}
