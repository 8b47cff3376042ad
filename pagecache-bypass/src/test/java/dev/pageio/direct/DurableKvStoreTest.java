package dev.pageio.direct;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link DurableKvStore} example under kill -9: a child JVM (this test's classpath) runs 8 threads of puts and
 * gets with checkpoints and reports each acknowledged put on stdout; it is killed (SIGKILL) at a random moment,
 * twice, the second time after recovering from the first; then every acknowledged put must be found. (A kill
 * leaves the kernel's caches intact, so this proves the store's recovery logic, not the device's durability: that
 * is the simulated device's job in {@link LogPropertyTest}.)
 */
class DurableKvStoreTest
{
    private Path dir;

    @BeforeEach
    void setUp() throws Exception
    {
        dir = TestFiles.ext4Dir("kv");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(dir);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldFindEveryAcknowledgedPutAfterTheProcessWasKilledAtARandomMoment() throws Exception
    {
        final long seed = System.nanoTime();
        final Random random = new Random(seed);
        final Map<Long, Long> acked = new HashMap<>();
        final AtomicInteger bad = new AtomicInteger();
        int totalAcks = 0;
        for (int round = 0; round < 2; round++)
        {
            final String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            final ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                DurableKvStore.class.getName(), dir.resolve("store").toString(), "auto");
            pb.redirectError(dir.resolve("child-" + round + ".err").toFile());
            final Process child = pb.start();
            final CountDownLatch ready = new CountDownLatch(1);
            final AtomicInteger acks = new AtomicInteger();
            final Map<Long, Long> roundAcks = new HashMap<>();
            final Thread reader = new Thread(() ->
            {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.US_ASCII)))
                {
                    String line;
                    while ((line = in.readLine()) != null)
                    {
                        if (line.startsWith("READY"))
                        {
                            ready.countDown();
                        }
                        else if (line.startsWith("ACK "))
                        {
                            final String[] f = line.split(" ");
                            if (f.length == 3)
                            {
                                try
                                {
                                    final long k = Long.parseLong(f[1]);
                                    final long v = Long.parseLong(f[2]);
                                    synchronized (roundAcks)
                                    {
                                        roundAcks.merge(k, v, Math::max);
                                    }
                                    acks.incrementAndGet();
                                }
                                catch (final NumberFormatException torn)
                                {
                                    // the last line, cut by the kill
                                }
                            }
                        }
                        else if (line.startsWith("BAD") || line.startsWith("ERROR"))
                        {
                            System.out.println("DurableKvStoreTest child: " + line);
                            bad.incrementAndGet();
                        }
                    }
                }
                catch (final IOException e)
                {
                    // the pipe closes with the child
                }
            });
            reader.start();
            assertTrue(ready.await(90, TimeUnit.SECONDS), "child never became ready: seed=" + seed);
            // A random moment: after some puts were acknowledged, within 0.3-1.5 s.
            final long killAtNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300 + random.nextInt(1200));
            while (System.nanoTime() < killAtNs || acks.get() < 50)
            {
                Thread.sleep(5);
                if (!child.isAlive())
                {
                    break;
                }
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            reader.join(30_000);
            synchronized (roundAcks)
            {
                for (final Map.Entry<Long, Long> e : roundAcks.entrySet())
                {
                    acked.merge(e.getKey(), e.getValue(), Math::max);
                }
            }
            totalAcks += acks.get();
        }
        System.out.println("DurableKvStoreTest: seed=" + seed + " acknowledged puts=" + totalAcks + " keys=" +
            acked.size());
        assertEquals(0, bad.get(), "the child saw wrong reads or errors: seed=" + seed);
        assertTrue(totalAcks >= 100, "acks=" + totalAcks);
        try (DurableKvStore kv = DurableKvStore.open(dir.resolve("store"), "auto"))
        {
            for (final Map.Entry<Long, Long> e : acked.entrySet())
            {
                final Long found = kv.get(e.getKey());
                assertNotNull(found, "acknowledged key lost: key=" + e.getKey() + " seed=" + seed);
                assertTrue(found >= e.getValue(), "acknowledged put lost: key=" + e.getKey() + " acked=" +
                    e.getValue() + " found=" + found + " seed=" + seed);
            }
        }
    }
}
