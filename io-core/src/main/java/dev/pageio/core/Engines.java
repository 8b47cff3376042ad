package dev.pageio.core;

import dev.pageio.core.spi.IoEngine;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The engines on the class path (found through {@link ServiceLoader}: io-core brings the thread engine,
 * io-native io_uring and kernel AIO) and the automatic choice among them.
 */
public final class Engines
{
    /** Name that asks for automatic selection. */
    public static final String AUTO = "auto";

    /**
     * System property: engine names (comma-separated) that automatic selection treats as refused, as if their
     * probe had failed, e.g. {@code -Ddev.pageio.engine.refuse=io_uring} to see what a container whose seccomp
     * profile refuses io_uring gets, without touching {@code kernel.io_uring_disabled}. Read at each selection.
     */
    public static final String REFUSE_PROPERTY = "dev.pageio.engine.refuse";

    private static final System.Logger LOGGER = System.getLogger("dev.pageio.core.Engines");
    private static volatile List<IoEngine> engines;
    private static volatile boolean logged;

    private Engines()
    {
    }

    /** @return every engine found, best first. */
    public static List<IoEngine> all()
    {
        List<IoEngine> list = engines;
        if (list == null)
        {
            list = new ArrayList<>();
            for (final IoEngine engine : ServiceLoader.load(IoEngine.class, Engines.class.getClassLoader()))
            {
                list.add(engine);
            }
            list.sort(Comparator.comparingInt(IoEngine::priority).reversed());
            engines = List.copyOf(list);
        }
        return list;
    }

    /**
     * @param name an engine's name.
     * @return the engine.
     * @throws IllegalArgumentException when no engine has that name (the message lists those there are).
     */
    public static IoEngine byName(final String name)
    {
        for (final IoEngine engine : all())
        {
            if (engine.name().equals(name))
            {
                return engine;
            }
        }
        final List<String> names = new ArrayList<>();
        all().forEach(e -> names.add(e.name()));
        throw new IllegalArgumentException("unknown engine: engine=" + name + " known=" + names + ",auto");
    }

    /**
     * Chooses the engine: by name, or the best available one for {@link #AUTO}. The first automatic choice of
     * the process is logged once.
     *
     * @param name {@code "auto"} or an engine's name.
     * @return the choice with the reasons for each refusal.
     * @throws UnsupportedOperationException when a named engine is unavailable here (with its cause).
     */
    public static EngineSelection select(final String name)
    {
        final Map<String, String> refused = new LinkedHashMap<>();
        if (!AUTO.equals(name))
        {
            final IoEngine engine = byName(name);
            final String cause = engine.unavailableCause();
            if (cause != null)
            {
                throw new UnsupportedOperationException("engine unavailable: engine=" + name + " cause=" + cause);
            }
            return new EngineSelection(engine, refused);
        }
        final EngineSelection selection = selectAuto(all());
        if (!logged)
        {
            logged = true;
            LOGGER.log(System.Logger.Level.INFO, "pageio engine selection: " + selection);
        }
        return selection;
    }

    /**
     * Automatic selection among the given engines: the first available in order of priority, with the cause of
     * each refusal of a better one.
     *
     * @param candidates the engines (any order).
     * @return the choice.
     * @throws UnsupportedOperationException when none is available, with every cause.
     */
    public static EngineSelection selectAuto(final List<IoEngine> candidates)
    {
        final List<IoEngine> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingInt(IoEngine::priority).reversed());
        final Map<String, String> refused = new LinkedHashMap<>();
        final List<String> forced = List.of(System.getProperty(REFUSE_PROPERTY, "").split(","));
        for (final IoEngine engine : sorted)
        {
            final String cause = forced.contains(engine.name()) ? "refused by -D" + REFUSE_PROPERTY + "=" +
                System.getProperty(REFUSE_PROPERTY) : engine.unavailableCause();
            if (cause == null)
            {
                return new EngineSelection(engine, refused);
            }
            refused.put(engine.name(), cause);
        }
        throw new UnsupportedOperationException("no engine available: refused=" + refused);
    }

    /**
     * The selection after a better engine failed to open a ring: the next available one.
     *
     * @param failed  the engine that failed.
     * @param cause   why.
     * @param refused the refusals so far (added to).
     * @return the next engine, or null.
     */
    static IoEngine next(final IoEngine failed, final String cause, final Map<String, String> refused)
    {
        refused.put(failed.name(), cause);
        boolean after = false;
        for (final IoEngine engine : all())
        {
            if (after && engine.unavailableCause() == null && !refused.containsKey(engine.name()))
            {
                return engine;
            }
            if (engine == failed)
            {
                after = true;
            }
        }
        return null;
    }
}
