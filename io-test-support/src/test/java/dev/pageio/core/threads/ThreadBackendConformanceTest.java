package dev.pageio.core.threads;

import dev.pageio.testing.RingBackendConformanceTest;
import dev.pageio.core.spi.ChannelFileAccess;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.RingBackend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** The backend contract on the thread engine's worker pool, over a FileChannel file on ext4 (target/). */
class ThreadBackendConformanceTest extends RingBackendConformanceTest
{
    @Override
    protected RingBackend openBackend(final int queueDepth, final int maxSegments) throws IOException
    {
        return new ThreadEngine().openBackend(config(queueDepth, maxSegments).backendConfig());
    }

    @Override
    protected FileAccess openFile() throws IOException
    {
        final Path dir = Files.createDirectories(Path.of("target", "backend-conformance-threads").toAbsolutePath());
        return new ChannelFileAccess(dir.resolve("file-" + System.nanoTime()),
            Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE));
    }

    @Override
    protected void deleteFile(final FileAccess file) throws IOException
    {
        file.close();
        Files.deleteIfExists(file.path());
    }
}
