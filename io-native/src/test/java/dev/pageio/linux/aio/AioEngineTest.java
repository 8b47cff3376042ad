package dev.pageio.linux.aio;

import com.sun.nio.file.ExtendedOpenOption;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.FdFileAccess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ServiceLoader;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AioEngineTest
{
    @Test
    void shouldBeFoundByServiceLoaderAndAvailableOnThisKernel()
    {
        final IoEngine engine = ServiceLoader.load(IoEngine.class).stream().map(ServiceLoader.Provider::get)
            .filter(e -> e.name().equals("aio")).findFirst().orElseThrow();
        assertEquals(200, engine.priority());
        assertNull(engine.unavailableCause());
        assertTrue(engine.available());
        final AioEngine aio = (AioEngine)engine;
        assertTrue(aio.kernelSync(), "Linux 4.18+ runs IOCB_CMD_FDSYNC: " + aio);
        assertTrue(aio.kernelPoll(), "Linux 4.18+ runs IOCB_CMD_POLL: " + aio);
        assertTrue(aio.requiresDirectFiles());
    }

    @Test
    void shouldOpenABackendThatReapsFromTheRing() throws IOException
    {
        try (RingBackend backend = new AioEngine().openBackend(RingConfig.builder().queueDepth(64).build()))
        {
            assertEquals("aio", backend.name());
            assertTrue(backend.requiresDirectBuffers());
            assertTrue(backend.requiresDescriptor());
            assertTrue(((AioBackend)backend).ringReaping());
            assertTrue(((AioBackend)backend).ringEntries() >= 65);
        }
    }

    @Test
    void shouldRefuseABufferedFileNamingThePathAndTheRule() throws IOException
    {
        final Path path = AioTestSupport.directories()[0].resolve("engine-buffered");
        final AioEngine engine = new AioEngine();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> engine.openFile(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE)));
        assertTrue(e.getMessage().contains("path=" + path) && e.getMessage().contains("O_DIRECT"), e.getMessage());
        assertTrue(Files.notExists(path));

        try (FdFileAccess buffered = FdFileAccess.open(path, Set.of(StandardOpenOption.WRITE,
            StandardOpenOption.CREATE), 0))
        {
            final IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> AioEngine.requireDirect(buffered));
            assertTrue(refused.getMessage().contains("path=" + path) && refused.getMessage().contains("direct=false"),
                refused.getMessage());
            // The ring asks the engine before it takes a file: a buffered file never reaches an aio ring.
            try (dev.pageio.core.IoRing ring = dev.pageio.core.IoRing.open(
                dev.pageio.core.RingConfig.builder().engine("aio").queueDepth(8).build()))
            {
                final IllegalArgumentException adopted = assertThrows(IllegalArgumentException.class,
                    () -> ring.adopt(buffered));
                assertTrue(adopted.getMessage().contains("O_DIRECT"), adopted.getMessage());
            }
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void shouldOpenWithODirectWhenAskedForDirect() throws IOException
    {
        for (final Path dir : AioTestSupport.directories())
        {
            final Path path = dir.resolve("engine-direct");
            final FileAccess file = new AioEngine().openFile(path, Set.of(StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.CREATE, ExtendedOpenOption.DIRECT));
            try
            {
                assertTrue(file.direct());
                AioEngine.requireDirect(file);
            }
            finally
            {
                file.close();
                Files.deleteIfExists(path);
            }
        }
        Files.deleteIfExists(AioTestSupport.directories()[1]);
    }
}
