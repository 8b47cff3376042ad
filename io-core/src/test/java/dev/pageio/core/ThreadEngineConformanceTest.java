package dev.pageio.core;

import java.nio.file.Path;

class ThreadEngineConformanceTest extends EngineConformanceTest
{
    @Override
    protected String engine()
    {
        return "threads";
    }

    @Override
    protected Path directory()
    {
        return Path.of("target", "conformance").toAbsolutePath();
    }
}
