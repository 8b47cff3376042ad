package dev.pageio.linux.uring;

import dev.pageio.testing.RingBackendConformanceTest;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/** The backend contract on io_uring, over an O_DIRECT file on ext4 (target/). */
class UringBackendConformanceTest extends RingBackendConformanceTest
{
    @Override
    protected RingBackend openBackend(final int queueDepth, final int maxSegments) throws IOException
    {
        return UringBackend.open(config(queueDepth, maxSegments));
    }

    @Override
    protected FileAccess openFile() throws IOException
    {
        final Path dir = Files.createDirectories(Path.of("target", "backend-conformance-uring").toAbsolutePath());
        return FdFileAccess.open(dir.resolve("file-" + System.nanoTime()), EnumSet.of(READ, WRITE, CREATE), Arch.O_DIRECT);
    }

    @Override
    protected void deleteFile(final FileAccess file) throws IOException
    {
        file.close();
        Files.deleteIfExists(file.path());
    }
}
