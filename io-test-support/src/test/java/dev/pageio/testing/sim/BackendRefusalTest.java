package dev.pageio.testing.sim;

import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.ChannelFileAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendRefusalTest
{
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldFailARequestTheBackendThrowsOnAndGoOn() throws Exception
    {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final Path path = Files.createTempFile("pageio-refusal", ".dat");
        final long start = System.nanoTime();
        try (IoRing ring = SimulatedEngine.open(RingConfig.builder().errorHandler(errors::add), new SimulatedSchedule(1)))
        {
            // The simulated backend serves only its own files: a real one makes its prepare throw.
            final IoFile file = ring.adopt(new ChannelFileAccess(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE)));
            final ExecutionException e = assertThrows(ExecutionException.class,
                () -> file.write(0, ByteBuffer.allocateDirect(512)).get(10, TimeUnit.SECONDS));
            final IoFailure failure = assertInstanceOf(IoFailure.class, e.getCause());
            assertEquals(Errno.EINVAL, failure.errno());
            assertTrue(failure.getMessage().contains("refused the request"), failure.getMessage());
            assertEquals(1, errors.size(), "reported to the error handler");
            file.closeAsync();
        }
        finally
        {
            Files.deleteIfExists(path);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "the ring closed without waiting for a lost request");
    }
}
