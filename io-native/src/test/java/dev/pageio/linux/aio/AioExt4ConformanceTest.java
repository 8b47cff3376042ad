package dev.pageio.linux.aio;

import java.nio.file.Path;

/** The conformance suite for the aio engine on O_DIRECT files on ext4 (the module's target/). */
class AioExt4ConformanceTest extends AioConformanceTest
{
    @Override
    protected Path directory()
    {
        return Path.of("target", "conformance-aio").toAbsolutePath();
    }
}
