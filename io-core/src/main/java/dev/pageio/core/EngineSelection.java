package dev.pageio.core;

import dev.pageio.core.spi.IoEngine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Which engine a ring uses and why each better one was refused: data, also logged once. */
public final class EngineSelection
{
    private final IoEngine engine;
    private final Map<String, String> refused;

    EngineSelection(final IoEngine engine, final Map<String, String> refused)
    {
        this.engine = engine;
        this.refused = Collections.unmodifiableMap(new LinkedHashMap<>(refused));
    }

    /** @return the chosen engine. */
    public IoEngine engine()
    {
        return engine;
    }

    /** @return each better engine that was refused, by name, with its cause. */
    public Map<String, String> refused()
    {
        return refused;
    }

    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder("engine=").append(engine.name());
        refused.forEach((name, cause) -> sb.append(" refused[").append(name).append("]=").append(cause));
        return sb.toString();
    }
}
