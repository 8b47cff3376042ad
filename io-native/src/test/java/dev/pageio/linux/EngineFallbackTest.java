package dev.pageio.linux;

import dev.pageio.core.EngineSelection;
import dev.pageio.core.Engines;
import dev.pageio.core.threads.ThreadEngine;
import dev.pageio.linux.aio.AioEngine;
import dev.pageio.linux.uring.UringEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Automatic selection falls back, saying why, when the kernel refuses io_uring: for real, through the
 * {@code kernel.io_uring_disabled} sysctl (Linux 6.6+; 2 = io_uring_setup fails with EPERM for everyone), set for
 * the length of the test and restored after. Needs root.
 */
class EngineFallbackTest
{
    private static final Path DISABLED = Path.of("/proc/sys/kernel/io_uring_disabled");

    @Test
    @Timeout(30)
    void shouldFallBackToAioWithTheCauseWhenTheKernelRefusesIoUring() throws Exception
    {
        assumeTrue(Files.isWritable(DISABLED), "needs root and kernel.io_uring_disabled (Linux 6.6+): " + DISABLED);
        final String before = Files.readString(DISABLED).trim();
        try
        {
            Files.writeString(DISABLED, "2");
            // fresh engines: each probes once, now
            final EngineSelection selection = Engines.selectAuto(List.of(new ThreadEngine(), new UringEngine(), new AioEngine()));
            assertEquals("aio", selection.engine().name());
            final String cause = selection.refused().get("io_uring");
            assertNotNull(cause, selection.toString());
            assertTrue(cause.contains("EPERM"), cause);
            assertTrue(selection.toString().contains("refused[io_uring]="), selection.toString());
        }
        finally
        {
            Files.writeString(DISABLED, before);
        }
        assertEquals(before, Files.readString(DISABLED).trim(), "sysctl restored");
    }
}
