package dev.pageio.linux.uring;

import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.RingBackend;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UringEngineTest
{
    @Test
    void shouldProbeOnceAndFindEveryOpcodeItUses()
    {
        final UringEngine engine = new UringEngine();
        assertNull(engine.unavailableCause());
        assertTrue(engine.available());
        assertNull(UringEngine.probe(), "a second probe agrees");
    }

    @Test
    void shouldNameTheErrnoWhenTheKernelRefusesTheSetup()
    {
        final IOException e = assertThrows(IOException.class, () -> UringRing.open(0, 0, false, 0));
        assertTrue(e.getMessage().startsWith("io_uring_setup: EINVAL"), e.getMessage());
    }

    @Test
    void shouldSizeTheRingsFromTheQueueDepth() throws Exception
    {
        try (UringBackend backend = UringBackend.open(RingConfig.builder().queueDepth(100).build()))
        {
            assertEquals(128, backend.sqEntries());
            assertTrue(backend.cqEntries() >= 2 * 100 + 2, "room for requests, cancels and the wake read");
            assertEquals(0, backend.cqDropped());
        }
    }

    @Test
    void shouldOpenTheLargestQueueDepth() throws Exception
    {
        try (RingBackend backend = new UringEngine().openBackend(RingConfig.builder().queueDepth(32768).build().backendConfig()))
        {
            assertEquals("io_uring", backend.name());
            assertEquals(32768, ((UringBackend)backend).sqEntries());
        }
    }
}
