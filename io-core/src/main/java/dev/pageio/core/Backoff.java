package dev.pageio.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one way a submitter-side thread waits (for a free slot, for the barrier window, for a future, for a close):
 * first it helps the ring along ({@link Progress#helpProgress()}, which drives a CALLER ring nobody polls), and
 * when there was nothing to do it parks, for a time that doubles from {@link #MIN_PARK_NS} to {@link #MAX_PARK_NS}
 * with each empty attempt and never runs past the caller's deadline. It never spins. The caller loops: check its
 * condition, check its deadline, {@link #idle}.
 */
final class Backoff
{
    /** The first park: short, so that a slot freed by the next completion is taken promptly. */
    static final long MIN_PARK_NS = TimeUnit.MICROSECONDS.toNanos(10);
    /**
     * The longest park: bounds how late a waiter notices a change nobody signals (a freed slot, a completed
     * write moving the barrier window), at 10,000 wakeups a second at most.
     */
    static final long MAX_PARK_NS = TimeUnit.MICROSECONDS.toNanos(100);
    /** The attempt from which every park is {@link #MAX_PARK_NS}. */
    private static final int MAX_SHIFT = 4;

    /** For a wait that has no ring to help: it only parks. */
    static final Progress NO_HELP = new Progress()
    {
        @Override
        public boolean onAgentThread()
        {
            return false;
        }

        @Override
        public boolean helpProgress()
        {
            return false;
        }
    };

    private Backoff()
    {
    }

    /**
     * Loads and initialises this class now, on the thread opening a ring. The first wait would load it otherwise,
     * and on a virtual thread, loading a class while other threads contend for the class loader pins the carrier
     * ({@code jdk.VirtualThreadPinned}: "Contended monitor enter" in {@code BuiltinClassLoader.loadClassOrNull},
     * caught by {@code VirtualThreadReadTest} on JDK 25).
     */
    static void load()
    {
        // the call itself is the point: it runs the class's initialisation
    }

    /**
     * One empty round of a wait.
     *
     * @param progress   the ring's driver.
     * @param attempt    how many rounds this wait has made so far (0 first).
     * @param deadlineNs the wait's deadline in {@link System#nanoTime()} terms; {@code Long.MAX_VALUE} for none.
     */
    static void idle(final Progress progress, final int attempt, final long deadlineNs)
    {
        if (progress.helpProgress())
        {
            return;
        }
        final long parkNs = Math.min(MAX_PARK_NS, MIN_PARK_NS << Math.min(attempt, MAX_SHIFT));
        final long leftNs = deadlineNs - System.nanoTime();
        if (leftNs > 0)
        {
            LockSupport.parkNanos(Math.min(parkNs, leftNs));
        }
    }
}
