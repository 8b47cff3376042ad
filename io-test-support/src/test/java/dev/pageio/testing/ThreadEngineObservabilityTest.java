package dev.pageio.testing;

import java.nio.file.Path;

/** The observability suite on the thread engine: channel files in the module's target/; no system call per batch. */
class ThreadEngineObservabilityTest extends RingObservabilityConformanceTest
{
    @Override
    protected String engine()
    {
        return "threads";
    }

    @Override
    protected Path directory()
    {
        return Path.of("target", "observability").toAbsolutePath();
    }

    @Override
    protected int submitCallsPerBatch()
    {
        return 0;
    }
}
