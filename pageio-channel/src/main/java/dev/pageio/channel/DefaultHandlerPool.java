package dev.pageio.channel;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executor of channels opened without one: a process-wide cached pool of daemon threads, configured as the
 * JDK configures its default asynchronous-channel pool (see {@code java.nio.channels.AsynchronousChannelGroup}):
 * <ul>
 *   <li>{@code java.nio.channels.DefaultThreadPool.threadFactory}: the name of a {@link ThreadFactory} class with a
 *       public no-argument constructor, loaded with the system class loader; its threads run the handlers.</li>
 *   <li>{@code java.nio.channels.DefaultThreadPool.initialSize}: threads started when the pool is created
 *       (default: the number of processors); idle threads, these included, end after 60 s.</li>
 * </ul>
 * An invalid value fails the first {@code open} with an {@link Error}, as the JDK's does.
 */
final class DefaultHandlerPool
{
    static final String THREAD_FACTORY = "java.nio.channels.DefaultThreadPool.threadFactory";
    static final String INITIAL_SIZE = "java.nio.channels.DefaultThreadPool.initialSize";

    private DefaultHandlerPool()
    {
    }

    private static final class Holder
    {
        static final ExecutorService POOL = create();
    }

    /** @return the pool, created on first use. */
    static ExecutorService get()
    {
        return Holder.POOL;
    }

    static ExecutorService create()
    {
        int initialSize = initialSize();
        if (initialSize < 0)
        {
            initialSize = Runtime.getRuntime().availableProcessors();
        }
        ThreadFactory factory = threadFactory();
        if (factory == null)
        {
            factory = r ->
            {
                final Thread t = new Thread(r, "pageio-channel-handler");
                t.setDaemon(true);
                return t;
            };
        }
        final ThreadPoolExecutor pool = new ThreadPoolExecutor(
            initialSize, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
        if (initialSize > 0)
        {
            pool.allowCoreThreadTimeOut(true);
            pool.prestartAllCoreThreads();
        }
        return pool;
    }

    private static int initialSize()
    {
        final String value = System.getProperty(INITIAL_SIZE);
        if (value == null)
        {
            return -1;
        }
        try
        {
            return Integer.parseInt(value);
        }
        catch (final NumberFormatException e)
        {
            throw new Error("invalid system property: " + INITIAL_SIZE + "=" + value, e);
        }
    }

    private static ThreadFactory threadFactory()
    {
        final String value = System.getProperty(THREAD_FACTORY);
        if (value == null)
        {
            return null;
        }
        try
        {
            return (ThreadFactory)Class.forName(value, true, ClassLoader.getSystemClassLoader())
                .getDeclaredConstructor().newInstance();
        }
        catch (final ReflectiveOperationException | ClassCastException e)
        {
            throw new Error("invalid system property: " + THREAD_FACTORY + "=" + value, e);
        }
    }
}
