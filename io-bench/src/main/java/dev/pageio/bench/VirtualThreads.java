package dev.pageio.bench;

import java.lang.reflect.Method;

/**
 * Starts virtual threads for {@code --virtual-threads} (JDK 21+). The bench is compiled for Java 17, so
 * {@code Thread.ofVirtual()} is reached by reflection, once.
 */
final class VirtualThreads
{
    private static final Method OF_VIRTUAL = ofVirtual();

    private VirtualThreads()
    {
    }

    private static Method ofVirtual()
    {
        try
        {
            return Thread.class.getMethod("ofVirtual");
        }
        catch (final NoSuchMethodException e)
        {
            return null;
        }
    }

    /** @return null when virtual threads can run here, else why not. */
    static String unavailableCause()
    {
        return OF_VIRTUAL == null ? "virtual threads need JDK 21+: running JDK " + Runtime.version() : null;
    }

    /**
     * Starts {@code task} on a new virtual thread of the default scheduler.
     *
     * @param name the thread's name.
     * @param task what it runs.
     * @return the started thread.
     */
    static Thread start(final String name, final Runnable task)
    {
        try
        {
            // through the public interface Thread.Builder: the builder's own class is not accessible
            final Class<?> builderType = Class.forName("java.lang.Thread$Builder");
            final Object builder = OF_VIRTUAL.invoke(null);
            final Object named = builderType.getMethod("name", String.class).invoke(builder, name);
            return (Thread)builderType.getMethod("start", Runnable.class).invoke(named, task);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new IllegalStateException("cannot start a virtual thread: " + e, e);
        }
    }
}
