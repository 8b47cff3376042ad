package dev.pageio.linux.aio;

import dev.pageio.core.spi.DirectOpenOption;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertFalse(aio.requiresDirectFiles(), "buffered files go to the thread engine's path");
    }

    @Test
    void shouldOpenABackendThatReapsFromTheRing() throws IOException
    {
        try (RingBackend backend = new AioEngine().openBackend(RingConfig.builder().queueDepth(64).build().backendConfig()))
        {
            assertEquals("aio", backend.name());
            assertTrue(backend.requiresDirectBuffers());
            assertTrue(backend.requiresDescriptor());
            assertTrue(((AioBackend)backend).ringReaping());
            assertTrue(((AioBackend)backend).ringEntries() >= 65);
        }
    }

    @Test
    void shouldServeABufferedFileOnAnAioRingThroughTheThreadPath() throws Exception
    {
        final Path path = AioTestSupport.directories()[0].resolve("engine-buffered");
        try (dev.pageio.core.IoRing ring = dev.pageio.core.IoRing.open(
                dev.pageio.core.RingConfig.builder().engine("aio").queueDepth(8).build());
             dev.pageio.core.IoFile file = ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                 StandardOpenOption.CREATE))
        {
            assertFalse(file.access().direct(), "opened buffered, as asked");
            final java.nio.ByteBuffer page = java.nio.ByteBuffer.allocateDirect(4096);
            page.put(0, (byte)42);
            assertEquals(4096L, file.write(0, page).get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1L, file.barrier().get(30, java.util.concurrent.TimeUnit.SECONDS));
            final java.nio.ByteBuffer back = java.nio.ByteBuffer.allocateDirect(4096);
            assertEquals(4096L, file.read(0, back).get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(42, back.get(0));
            assertTrue(((AioBackend)ring.backend()).bufferedRequests() >= 3, "served by the thread path");
        }
        finally
        {
            Files.deleteIfExists(path);
        }
        assertTrue(AioEngine.BUFFERED_REASON.contains("O_DIRECT"));
    }

    @Test
    void shouldOpenWithODirectWhenAskedForDirect() throws IOException
    {
        for (final Path dir : AioTestSupport.directories())
        {
            final Path path = dir.resolve("engine-direct");
            final FileAccess file = new AioEngine().openFile(path, Set.of(StandardOpenOption.READ,
                StandardOpenOption.WRITE, StandardOpenOption.CREATE, DirectOpenOption.DIRECT));
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
