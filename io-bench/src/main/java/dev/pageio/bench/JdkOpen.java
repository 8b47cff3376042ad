package dev.pageio.bench;

import dev.pageio.core.spi.DirectOpenOption;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

/** Open options of the JDK baselines: O_DIRECT through {@code ExtendedOpenOption.DIRECT} (JDK 10+). */
final class JdkOpen
{
    private JdkOpen()
    {
    }

    static Set<OpenOption> options(final BenchOptions options)
    {
        final Set<OpenOption> set = new HashSet<>();
        set.add(StandardOpenOption.READ);
        if (options.rw.writes)
        {
            set.add(StandardOpenOption.WRITE);
        }
        if (options.direct)
        {
            set.add(DirectOpenOption.DIRECT);
        }
        return set;
    }
}
