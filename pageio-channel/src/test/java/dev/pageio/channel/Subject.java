package dev.pageio.channel;

import dev.pageio.core.spi.DirectOpenOption;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * What the differential tests run against: the JDK's {@link AsynchronousFileChannel#open} (the oracle) or a
 * {@link PageioFileChannel} on one engine's ring, with a buffered or an O_DIRECT file. Rings are shared per engine
 * for the test JVM (daemon agents), as a database shares one ring among its files.
 */
record Subject(String engine, boolean direct)
{
    static final String JDK = "jdk";
    static final List<String> ENGINES = List.of("io_uring", "aio", "threads");
    private static final Map<String, IoRing> RINGS = new ConcurrentHashMap<>();

    /** @return every engine with buffered and O_DIRECT files, but aio only with O_DIRECT (it refuses the rest). */
    static List<Subject> pageio()
    {
        final List<Subject> all = new ArrayList<>();
        for (final String engine : ENGINES)
        {
            if (!"aio".equals(engine))
            {
                all.add(new Subject(engine, false));
            }
            all.add(new Subject(engine, true));
        }
        return all;
    }

    /** @return the JDK with the same kind of file. */
    Subject oracle()
    {
        return new Subject(JDK, direct);
    }

    boolean isJdk()
    {
        return JDK.equals(engine);
    }

    static IoRing ring(final String engine)
    {
        return RINGS.computeIfAbsent(engine, e ->
        {
            try
            {
                final IoRing ring = IoRing.open(RingConfig.builder().engine(e).name("afc-test-" + e).build());
                if (!ring.engineName().equals(e))
                {
                    throw new IllegalStateException("engine not used: asked=" + e + " got=" + ring.engineName());
                }
                return ring;
            }
            catch (final IOException x)
            {
                throw new UncheckedIOException("ring did not open: engine=" + e, x);
            }
        });
    }

    AsynchronousFileChannel open(final Path path, final ExecutorService executor, final OpenOption... options)
        throws IOException
    {
        final Set<OpenOption> set = new HashSet<>(List.of(options));
        if (direct)
        {
            set.add(DirectOpenOption.DIRECT);
        }
        if (isJdk())
        {
            return AsynchronousFileChannel.open(path, set, executor);
        }
        return PageioFileChannel.open(ring(engine), path, set, executor);
    }

    @Override
    public String toString()
    {
        return engine + (direct ? "/O_DIRECT" : "/buffered");
    }
}
