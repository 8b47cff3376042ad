package dev.pageio.lucene;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The control of {@code VirtualThreadPinningTest}: it parks while the JVM initializes it, and a virtual thread
 * that parks inside a class initializer pins its carrier (still so on JDK 25), so JFR records a
 * {@code jdk.VirtualThreadPinned} event.
 */
final class ParksInItsInitializer
{
    static final int VALUE;

    static
    {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        VALUE = 1;
    }

    private ParksInItsInitializer()
    {
    }
}
