package dev.pageio.testing;

import org.junit.jupiter.api.Nested;

import java.nio.file.Path;

/** The conformance suite on the thread engine: channel files in the module's target/. The same shape as the others. */
class ThreadEngineConformanceTest
{
    static final Path TARGET = Path.of("target", "conformance").toAbsolutePath();

    @Nested
    class ChannelFiles extends EngineConformanceTest
    {
        @Override
        protected String engine()
        {
            return "threads";
        }

        @Override
        protected Path directory()
        {
            return TARGET;
        }
    }

    @Nested
    class PosixChannelFiles extends PosixAioConformanceTest
    {
        @Override
        protected String engine()
        {
            return "threads";
        }

        @Override
        protected Path directory()
        {
            return TARGET;
        }
    }
}
