package dev.pageio.bench;

import dev.pageio.core.Engines;

/** Run in a child JVM by {@link EngineLogLevelTest}: makes the process's first automatic engine choice. */
final class EngineLogProbe
{
    private EngineLogProbe()
    {
    }

    public static void main(final String[] args)
    {
        System.out.println("chosen " + Engines.select(Engines.AUTO));
    }
}
