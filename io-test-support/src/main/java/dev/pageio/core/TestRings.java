package dev.pageio.core;

import dev.pageio.core.spi.IoEngine;

import java.io.IOException;

/**
 * Test support: opens rings in the states only tests need. Lives in {@code dev.pageio.core} because it reaches
 * the package-private {@link BarrierPolicy}; nothing of it is in the public API.
 */
public final class TestRings
{
    private TestRings()
    {
    }

    /**
     * Opens a ring whose barriers are deliberately wrong ({@link BarrierPolicy#NAIVE_FOR_TESTING}: they sync at once,
     * without waiting for the writes they cover), so that a test can show its detector catches the mistake.
     *
     * @param config the configuration.
     * @param engine the engine.
     * @return the ring, running.
     * @throws IOException when the engine could not open a context.
     */
    public static IoRing openWithNaiveBarriers(final RingConfig config, final IoEngine engine) throws IOException
    {
        return IoRing.open(config, engine, BarrierPolicy.NAIVE_FOR_TESTING);
    }

    /**
     * {@link #openWithNaiveBarriers(RingConfig, IoEngine)} on the engine the configuration names.
     *
     * @param config the configuration.
     * @return the ring, running.
     * @throws IOException when the engine could not open it.
     */
    public static IoRing openWithNaiveBarriers(final RingConfig config) throws IOException
    {
        return openWithNaiveBarriers(config, Engines.select(config.engine()).engine());
    }

    /**
     * @param ring a ring.
     * @return the slots of {@code ring} taken by requests not yet completed (0 when idle).
     */
    public static int slotsInUse(final IoRing ring)
    {
        return ring.slotsInUse();
    }
}
