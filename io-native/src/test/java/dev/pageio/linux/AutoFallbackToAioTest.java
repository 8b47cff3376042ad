package dev.pageio.linux;

import dev.pageio.core.Engines;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.linux.aio.AioBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code engine("auto")} when io_uring is refused (here by {@link Engines#REFUSE_PROPERTY}, in this JVM only; never by
 * writing {@code kernel.io_uring_disabled}) falls back to aio, and the README's buffered open still works: the
 * buffered file is served by the thread engine's path on the aio ring (issue 11 item 16).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AutoFallbackToAioTest
{
    @AfterEach
    void clearRefusal()
    {
        System.clearProperty(Engines.REFUSE_PROPERTY);
    }

    @Test
    void shouldKeepABufferedOpenWorkingWhenAutoFallsBackToAio() throws Exception
    {
        System.setProperty(Engines.REFUSE_PROPERTY, "io_uring");
        final Path dir = Files.createDirectories(Path.of("target", "auto-fallback").toAbsolutePath());
        final Path path = dir.resolve("quick-start-" + System.nanoTime());
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("auto").build());
             IoFile file = ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE))
        {
            assertEquals("aio", ring.engineName());
            assertTrue(ring.selection().refused().get("io_uring").contains(Engines.REFUSE_PROPERTY),
                ring.selection().toString());
            final ByteBuffer page = ByteBuffer.allocateDirect(4096);
            page.put("hello".getBytes(StandardCharsets.US_ASCII)).clear();
            assertEquals(4096L, file.write(0, page).get(30, TimeUnit.SECONDS));
            file.barrier().get(30, TimeUnit.SECONDS);
            final ByteBuffer back = ByteBuffer.allocateDirect(4096);
            assertEquals(4096L, file.read(0, back).get(30, TimeUnit.SECONDS));
            assertEquals('h', back.get(0));
            assertTrue(((AioBackend)ring.backend()).bufferedRequests() >= 2, "the thread engine's path served it");
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }
}
