package dev.pageio.testing.sim;

import dev.pageio.testing.RingBackendConformanceTest;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.RingBackend;

import java.io.IOException;
import java.nio.file.Path;

/** The backend contract on the simulated device (seed 0: out-of-order completions, delays in duty cycles). */
class SimulatedBackendConformanceTest extends RingBackendConformanceTest
{
    @Override
    protected RingBackend openBackend(final int queueDepth, final int maxSegments)
    {
        return new SimulatedBackend(config(queueDepth, maxSegments).backendConfig(), new SimulatedSchedule(0));
    }

    @Override
    protected FileAccess openFile()
    {
        return new SimulatedFile(Path.of("simulated-backend-conformance"));
    }

    @Override
    protected void deleteFile(final FileAccess file) throws IOException
    {
        file.close();
    }
}
