package dev.pageio.bench;

import java.io.IOException;

/** A way of doing the workload: a JDK baseline or a pageio engine. */
interface BenchEngine
{
    /** @return the {@code --engine} name. */
    String name();

    /**
     * @param options the workload.
     * @return null when this engine can run it here, else why not, in one line.
     */
    String unavailableCause(BenchOptions options);

    /**
     * Opens what the engine needs and starts every job's slots.
     *
     * @param options the workload (the file is prepared).
     * @param stats   one per job.
     * @return the running workload.
     * @throws IOException when the file or the engine cannot be opened.
     */
    EngineRun start(BenchOptions options, JobStats[] stats) throws IOException;
}
