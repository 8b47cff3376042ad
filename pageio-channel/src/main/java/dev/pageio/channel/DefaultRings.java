package dev.pageio.channel;

import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The process-wide rings of channels opened without one, opened on first use and never closed (their agents are
 * daemon threads), like the JDK's default thread pool. The engine is {@code "auto"} unless the system property
 * {@value #ENGINE_PROPERTY} names one ({@code io_uring}, {@code aio}, {@code threads}).
 *
 * <p>Kernel AIO is asynchronous only on O_DIRECT files and pageio's aio engine refuses buffered ones
 * (io-native {@code AioEngine}): when the default ring is on aio, buffered files go to a second default ring on the
 * thread engine, which does what the JDK does (blocking pread/pwrite on a pool), and {@link #ringFor} says so in
 * the ring's name. A ring given explicitly to {@code open} is never second-guessed: aio refuses a buffered file.
 */
final class DefaultRings
{
    static final String ENGINE_PROPERTY = "dev.pageio.channel.engine";

    private DefaultRings()
    {
    }

    private static final class Main
    {
        static final IoRing RING = open(System.getProperty(ENGINE_PROPERTY, "auto"), "pageio-channel");
    }

    private static final class Threads
    {
        static final IoRing RING = open("threads", "pageio-channel-buffered");
    }

    /**
     * @param direct true for an O_DIRECT file.
     * @return the default ring that serves such a file.
     */
    static IoRing ringFor(final boolean direct)
    {
        final IoRing main = Main.RING;
        if (!direct && "aio".equals(main.engineName()))
        {
            return Threads.RING;
        }
        return main;
    }

    private static IoRing open(final String engine, final String name)
    {
        try
        {
            return IoRing.open(RingConfig.builder().engine(engine).name(name).build());
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("default ring: engine=" + engine + " failed to open", e);
        }
    }
}
