package dev.pageio.bench;

import java.util.ArrayList;
import java.util.List;

/** The engines the command knows, in the order a comparison runs them. */
final class BenchEngines
{
    private BenchEngines()
    {
    }

    /**
     * @return uring, aio, threads (pageio), then the JDK baselines jdk-async and jdk-channel: what
     *         {@code --engine all} (the default) runs. The AsynchronousFileChannel engines are chosen by name only:
     *         the JDK's channel with heap buffers fails with EINVAL on the default O_DIRECT file.
     */
    static List<BenchEngine> all()
    {
        final List<BenchEngine> list = new ArrayList<>();
        list.add(new PageioEngine("uring", "io_uring"));
        list.add(new PageioEngine("aio", "aio"));
        list.add(new PageioEngine("threads", "threads"));
        list.add(new JdkAsyncEngine());
        list.add(new JdkChannelEngine());
        return list;
    }

    /** @return the engine of a {@code --engine} name other than {@code all}. */
    static BenchEngine named(final String name)
    {
        if ("auto".equals(name))
        {
            return new PageioEngine("auto", "auto");
        }
        final List<BenchEngine> known = all();
        known.addAll(List.of(ChannelEngine.all()));
        for (final BenchEngine e : known)
        {
            if (e.name().equals(name))
            {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown engine: engine=" + name);
    }
}
