package dev.pageio.linux.aio;

import org.junit.jupiter.api.AfterAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The conformance suite for the aio engine on O_DIRECT files on tmpfs (/dev/shm; Linux 6.6+ takes O_DIRECT there). */
class AioTmpfsConformanceTest extends AioConformanceTest
{
    private static final Path DIRECTORY = Path.of("/dev/shm", "pageio-conformance-aio-" + ProcessHandle.current().pid());

    @Override
    protected Path directory()
    {
        return DIRECTORY;
    }

    @AfterAll
    static void removeDirectory() throws IOException
    {
        Files.deleteIfExists(DIRECTORY);
    }
}
