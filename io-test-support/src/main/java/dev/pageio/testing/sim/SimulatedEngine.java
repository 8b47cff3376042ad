package dev.pageio.testing.sim;

import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;

import java.io.IOException;

/**
 * The simulated device as an engine ({@code "simulated"}). It is not registered with {@code ServiceLoader}: a test
 * injects an instance with {@link IoRing#open(RingConfig, IoEngine)} (or {@link #open}), which carries the
 * device's {@link SimulatedSchedule}. Files are {@link SimulatedFile}s put on the ring with {@link IoRing#adopt}.
 */
public final class SimulatedEngine implements IoEngine
{
    /** The engine's name. */
    public static final String NAME = "simulated";

    private final SimulatedSchedule schedule;

    /** @param schedule the device's schedule, for every ring this engine opens. */
    public SimulatedEngine(final SimulatedSchedule schedule)
    {
        this.schedule = schedule;
    }

    /**
     * Opens a ring on the simulated device.
     *
     * @param config   the ring's configuration.
     * @param schedule the device's schedule for this ring.
     * @return the ring; its backend is a {@link SimulatedBackend}.
     * @throws IOException never, in practice.
     */
    public static IoRing open(final RingConfig.Builder config, final SimulatedSchedule schedule) throws IOException
    {
        return IoRing.open(config.engine(NAME).build(), new SimulatedEngine(schedule));
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
    public RingBackend openBackend(final BackendConfig config)
    {
        return new SimulatedBackend(config, schedule);
    }
}
