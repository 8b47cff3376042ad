package dev.pageio.core.sim;

import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;

import java.io.IOException;

/**
 * The simulated device as an engine ({@code "simulated"}), registered through the test resources'
 * {@code META-INF/services} with priority 10, so that {@code "auto"} never picks it. A ring gets its
 * {@link SimulatedSchedule} through {@link #open}; files are {@link SimulatedFile}s put on it with
 * {@link IoRing#adopt}.
 */
public final class SimulatedEngine implements IoEngine
{
    /** The engine's name. */
    public static final String NAME = "simulated";

    private static final ThreadLocal<SimulatedSchedule> NEXT = new ThreadLocal<>();

    /**
     * Opens a ring on the simulated device.
     *
     * @param config   the ring's configuration; its engine is replaced by {@link #NAME}.
     * @param schedule the device's schedule for this ring.
     * @return the ring; its backend is a {@link SimulatedBackend}.
     * @throws IOException never, in practice.
     */
    public static IoRing open(final RingConfig.Builder config, final SimulatedSchedule schedule) throws IOException
    {
        NEXT.set(schedule);
        try
        {
            return IoRing.open(config.engine(NAME).build());
        }
        finally
        {
            NEXT.remove();
        }
    }

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public int priority()
    {
        return 10;
    }

    @Override
    public String unavailableCause()
    {
        return null;
    }

    @Override
    public RingBackend openBackend(final RingConfig config)
    {
        final SimulatedSchedule schedule = NEXT.get();
        return new SimulatedBackend(config, schedule != null ? schedule : new SimulatedSchedule(0));
    }
}
