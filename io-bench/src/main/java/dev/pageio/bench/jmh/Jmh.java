package dev.pageio.bench.jmh;

import org.openjdk.jmh.Main;

/** {@code ./pageio-bench --jmh ARGS}: JMH's own command line over the benchmarks of this package. */
public final class Jmh
{
    private Jmh()
    {
    }

    /**
     * Runs JMH as its {@code main} would (it exits the JVM itself on a bad command line).
     *
     * @param args JMH's arguments, e.g. {@code RingBenchmark -p engine=io_uring -prof gc}.
     * @throws Exception as JMH throws it.
     */
    public static void run(final String[] args) throws Exception
    {
        Main.main(args);
    }
}
