package dev.pageio.linux.aio;

import java.nio.file.Path;

/** The conformance suite for the aio engine on O_DIRECT files on tmpfs (/dev/shm; Linux 6.6+ takes O_DIRECT there). */
class AioTmpfsConformanceTest extends AioConformanceTest
{
    @Override
    protected Path directory()
    {
        return Path.of("/dev/shm", "pageio-conformance-aio");
    }
}
