package dev.pageio.core.threads;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An idle thread-engine ring costs no CPU (issue 11 item 15): its workers start only when requests need them and,
 * once idle, park without a timeout (state WAITING: never RUNNABLE, never TIMED_WAITING polling). No time is
 * asserted: the test waits (bounded) for the workers to settle and looks at their states.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreadEngineIdleTest
{
    private static List<Thread> workersOf(final String ringName)
    {
        final List<Thread> found = new ArrayList<>();
        for (final Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet())
        {
            if (e.getKey().getName().startsWith(ringName + "-worker-"))
            {
                found.add(e.getKey());
            }
        }
        return found;
    }

    @Test
    void shouldStartNoWorkerUntilARequestAndParkIdleWorkersWithoutTimedPolling() throws Exception
    {
        final String name = "idle-" + System.nanoTime();
        final Path dir = Files.createDirectories(Path.of("target", "idle").toAbsolutePath());
        final Path path = dir.resolve(name);
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("threads").workerThreads(4).name(name).build()))
        {
            assertEquals(List.of(), workersOf(name), "an idle ring that never did I/O has no worker thread");
            try (IoFile file = ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE))
            {
                final List<CompletableFuture<Long>> writes = new ArrayList<>();
                for (int i = 0; i < 64; i++)
                {
                    writes.add(file.write(i * 4096L, ByteBuffer.allocateDirect(4096)));
                }
                for (final CompletableFuture<Long> w : writes)
                {
                    assertEquals(4096L, w.get(30, TimeUnit.SECONDS));
                }
                final List<Thread> workers = workersOf(name);
                assertTrue(!workers.isEmpty() && workers.size() <= 4, "workers started on demand: " + workers);
                // settle: each worker spins a little, then parks; wait (bounded) until all are WAITING
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (true)
                {
                    final StringBuilder states = new StringBuilder();
                    boolean allWaiting = true;
                    for (final Thread t : workers)
                    {
                        states.append(t.getName()).append('=').append(t.getState()).append(' ');
                        allWaiting &= t.getState() == Thread.State.WAITING;
                    }
                    if (allWaiting)
                    {
                        break;
                    }
                    if (System.nanoTime() > deadline)
                    {
                        fail("idle workers must park without a timeout (WAITING): " + states);
                    }
                    Thread.sleep(20);
                }
                // and they still wake for new work
                assertEquals(4096L, file.read(0, ByteBuffer.allocateDirect(4096)).get(30, TimeUnit.SECONDS));
            }
        }
        finally
        {
            Files.deleteIfExists(path);
        }
    }
}
