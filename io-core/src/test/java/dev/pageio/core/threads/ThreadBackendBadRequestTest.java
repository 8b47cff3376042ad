package dev.pageio.core.threads;

import dev.pageio.core.Errno;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.ChannelFileAccess;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SPI's bad-request rule on the thread engine ({@code RingBackend.prepare}): a request no worker could execute
 * is accepted, completes through the sink with -EINVAL, and nothing is thrown on the agent.
 */
class ThreadBackendBadRequestTest
{
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldCompleteRequestsItCannotExecuteWithEinvalThroughTheSink() throws Exception
    {
        final Path path = Files.createTempFile("pageio-bad-request", ".dat");
        try (ChannelFileAccess file = new ChannelFileAccess(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
             ThreadBackend backend = new ThreadBackend(RingConfig.builder().engine("threads").queueDepth(8).build().backendConfig()))
        {
            final Request noFile = new Request(0, 4);
            noFile.op = RequestOp.READ;
            final Request noBuffer = new Request(1, 4);
            noBuffer.op = RequestOp.WRITE;
            noBuffer.file = file;
            noBuffer.length = 512;
            final Request barrier = new Request(2, 4);
            barrier.op = RequestOp.BARRIER;
            barrier.file = file;
            final Request noBuffers = new Request(3, 4);
            noBuffers.op = RequestOp.READV;
            noBuffers.file = file;

            final Request[] bad = {noFile, noBuffer, barrier, noBuffers};
            for (final Request r : bad)
            {
                assertTrue(backend.prepare(r), "accepted: " + r);
            }
            backend.submit();
            final long[] results = {1, 1, 1, 1};
            final CompletionSink sink = new CompletionSink()
            {
                @Override
                public void complete(final Request request, final long result)
                {
                    results[request.index] = result;
                }

                @Override
                public void cancelResult(final Request request, final int result)
                {
                    throw new AssertionError("no cancel was asked: " + request);
                }
            };
            int reaped = 0;
            while (reaped < bad.length)
            {
                reaped += backend.reap(sink);
            }
            for (int i = 0; i < bad.length; i++)
            {
                assertEquals(-Errno.EINVAL, results[i], "result of " + bad[i]);
            }
            assertEquals(0, backend.inFlight());
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }
}
