package dev.pageio.testing;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.CancelOutcome;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRequest;
import dev.pageio.core.IoRing;
import dev.pageio.core.PageioJfr;
import dev.pageio.core.QueueFullException;
import dev.pageio.core.RingConfig;
import dev.pageio.core.RingStats;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The observability contract every engine keeps: {@link IoRing#stats()} counts a scripted workload exactly, the
 * latency recorder sees every request, the JMX MBean shows the same counters, and JFR records one
 * {@code pageio.Read}/{@code pageio.Write} event per request (threshold 0) with the request's fields. The rings run
 * in CALLER mode, driven by the test's own {@code poll()}: no agent thread, so no sleep, no wakeup and no batch the
 * test did not make.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class RingObservabilityConformanceTest
{
    /** Page size of the tests: a multiple of every O_DIRECT alignment seen. */
    protected static final int PAGE = 4096;
    private static final int BATCH_MAX = 4;

    private Path dir;
    private final List<IoRing> rings = new ArrayList<>();

    /** @return the engine's name for {@link RingConfig.Builder#engine}. */
    protected abstract String engine();

    /** @return a directory for test files (created if missing). */
    protected abstract Path directory();

    /**
     * @return the system calls that hand one batch to the kernel: 1 for io_uring (io_uring_enter) and kernel AIO
     * (io_submit), 0 for an engine that makes none (threads, the simulated device).
     */
    protected abstract int submitCallsPerBatch();

    /**
     * Opens (creating) a read-write file on the ring: buffered by default; O_DIRECT subclasses override.
     *
     * @param ring the ring.
     * @param path the file.
     * @return the file on the ring.
     * @throws IOException as the operating system reported it.
     */
    protected IoFile openFile(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    }

    /**
     * @param name the test's name for the ring (made unique).
     * @return the configuration of a test ring: CALLER mode, batches of at most {@value #BATCH_MAX}.
     */
    protected RingConfig.Builder config(final String name)
    {
        return RingConfig.builder().engine(engine()).queueDepth(64).submitBatchMax(BATCH_MAX)
            .threadMode(RingConfig.ThreadMode.CALLER).name(name + "-" + engine() + "-" + System.nanoTime());
    }

    @BeforeEach
    void createDirectory() throws IOException
    {
        dir = Files.createDirectories(directory()).resolve("observe-" + System.nanoTime());
        Files.createDirectories(dir);
    }

    @AfterEach
    void cleanUp() throws IOException
    {
        for (final IoRing ring : rings)
        {
            ring.close();
        }
        try (var files = Files.list(dir))
        {
            for (final Path p : (Iterable<Path>)files::iterator)
            {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    private IoRing open(final RingConfig config) throws IOException
    {
        final IoRing ring = IoRing.open(config);
        rings.add(ring);
        return ring;
    }

    /**
     * @param size bytes.
     * @return a page-aligned direct buffer of {@code size} bytes.
     */
    protected static ByteBuffer buffer(final int size)
    {
        return ByteBuffer.allocateDirect(size + PAGE).alignedSlice(PAGE).limit(size).slice();
    }

    private static void drive(final IoRing ring, final CompletableFuture<?>... futures)
    {
        for (final CompletableFuture<?> f : futures)
        {
            while (!f.isDone())
            {
                ring.poll();
            }
        }
    }

    @Test
    void shouldCountAScriptedWorkloadExactly() throws Exception
    {
        final IoRing ring = open(config("stats").build());
        final IoFile file = openFile(ring, dir.resolve("stats.dat"));
        final RingStats before = ring.stats();

        // 16 writes queued before the first poll: the agent hands them over 4 at a time (submitBatchMax)
        final CompletableFuture<?>[] writes = new CompletableFuture<?>[16];
        for (int i = 0; i < writes.length; i++)
        {
            final ByteBuffer page = buffer(PAGE);
            page.put(0, (byte)i);
            writes[i] = file.write((long)i * PAGE, page);
        }
        drive(ring, writes);
        // 8 reads: two batches of 4
        final CompletableFuture<?>[] reads = new CompletableFuture<?>[8];
        for (int i = 0; i < reads.length; i++)
        {
            reads[i] = file.read((long)i * PAGE, buffer(PAGE));
        }
        drive(ring, reads);
        // a read canceled while still queued: it fails (ECANCELED) and never reaches the engine
        final IoRequest canceled = new IoRequest().read(file, 0, buffer(PAGE)).submit();
        final CompletableFuture<CancelOutcome> answer = canceled.cancel();
        drive(ring, answer);
        assertEquals(CancelOutcome.CANCELED, answer.get());
        // a barrier: one fdatasync (a batch of one); a second one is already covered and costs no sync
        drive(ring, file.barrier(BarrierMode.DATA));
        drive(ring, file.barrier(BarrierMode.DATA));
        for (int i = 0; i < 10; i++)
        {
            ring.poll();
        }

        final RingStats s = ring.stats().minus(before);
        final String why = s.toString();
        assertEquals(16, s.submitted(IoOp.WRITE), why);
        assertEquals(16, s.completed(IoOp.WRITE), why);
        assertEquals(0, s.failed(IoOp.WRITE), why);
        assertEquals(9, s.submitted(IoOp.READ), why);
        assertEquals(8, s.completed(IoOp.READ), why);
        assertEquals(1, s.failed(IoOp.READ), why);
        assertEquals(2, s.submitted(IoOp.BARRIER), why);
        assertEquals(2, s.completed(IoOp.BARRIER), why);
        assertEquals(0, s.submitted(IoOp.FSYNC) + s.submitted(IoOp.FDATASYNC), "a barrier's sync is no request: " + why);
        assertEquals(27, s.submitted(), why);
        assertEquals(26, s.completed(), why);
        assertEquals(1, s.failed(), why);
        assertEquals(0, s.inFlight(), why);
        assertEquals(16L * PAGE, s.bytesWritten(), why);
        assertEquals(8L * PAGE, s.bytesRead(), why);
        assertEquals(25, s.ios(), why);
        assertEquals(7, s.batches(), "4 of writes, 2 of reads, 1 sync: " + why);
        assertEquals(25, s.batchedRequests(), why);
        assertEquals(25.0 / 7, s.meanBatchSize(), 1e-9, why);
        assertEquals(1, s.syncsIssued(), why);
        assertEquals(2, s.barriersCompleted(), why);
        assertEquals(2.0, s.commitsPerSync(), 1e-9, why);
        assertEquals(7L * submitCallsPerBatch(), s.submitCalls(), why);
        assertEquals(0, s.agentSleeps(), "a CALLER ring never sleeps: " + why);
        assertEquals(0, s.wakeups(), why);
        assertEquals(0, s.queueFullWaits(), why);
        assertEquals(0, s.queueFullRejections(), why);
        assertEquals(s.submitCalls() + s.waitCalls(), s.systemCalls(), why);
        file.close();
    }

    @Test
    void shouldCountQueueFullWaitsAndRejections() throws Exception
    {
        final IoRing refusing = open(config("full0").queueDepth(4).submitTimeoutNs(0).build());
        final IoFile file = openFile(refusing, dir.resolve("full0.dat"));
        final List<CompletableFuture<Long>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++)
        {
            held.add(file.read(0, buffer(PAGE)));
        }
        assertThrows(QueueFullException.class, () -> file.read(0, buffer(PAGE)));
        drive(refusing, held.toArray(new CompletableFuture<?>[0]));
        RingStats s = refusing.stats();
        assertEquals(1, s.queueFullRejections(), s.toString());
        assertEquals(0, s.queueFullWaits(), s.toString());
        assertEquals(4, s.submitted(IoOp.READ), "the refused read was never queued: " + s);

        // with a timeout the fifth submitter waits; in CALLER mode its wait drives the ring, which frees a slot
        final IoRing waiting = open(config("fullwait").queueDepth(4).build());
        final IoFile file2 = openFile(waiting, dir.resolve("fullwait.dat"));
        held.clear();
        for (int i = 0; i < 5; i++)
        {
            held.add(file2.read(0, buffer(PAGE)));
        }
        drive(waiting, held.toArray(new CompletableFuture<?>[0]));
        s = waiting.stats();
        assertEquals(1, s.queueFullWaits(), s.toString());
        assertEquals(0, s.queueFullRejections(), s.toString());
        assertTrue(s.queueFullWaitNs() > 0, s.toString());
        assertEquals(5, s.completed(IoOp.READ), s.toString());
        file.close();
        file2.close();
    }

    @Test
    void shouldRecordLatenciesOnlyWhenAsked() throws Exception
    {
        final IoRing plain = open(config("nolatency").build());
        assertThrows(IllegalStateException.class, () -> plain.latency(IoOp.READ));

        final IoRing ring = open(config("latency").latencyRecording(true).build());
        final IoFile file = openFile(ring, dir.resolve("latency.dat"));
        drive(ring, file.write(0, buffer(PAGE)));
        for (int i = 0; i < 10; i++)
        {
            drive(ring, file.read(0, buffer(PAGE)));
        }
        drive(ring, file.barrier(BarrierMode.DATA));
        final Histogram reads = ring.latency(IoOp.READ);
        assertEquals(10, reads.getTotalCount());
        assertTrue(reads.getMinValue() > 0, "min=" + reads.getMinValue());
        assertEquals(1, ring.latency(IoOp.WRITE).getTotalCount());
        assertEquals(1, ring.latency(IoOp.BARRIER).getTotalCount());
        assertEquals(0, ring.latency(IoOp.READV).getTotalCount());
        drive(ring, file.read(0, buffer(PAGE)));
        assertEquals(11, ring.latency(IoOp.READ).getTotalCount(), "cumulative across snapshots");
        file.close();
    }

    @Test
    void shouldPublishTheCountersAsAnMBeanUntilTheRingCloses() throws Exception
    {
        final IoRing ring = open(config("jmx").build());
        final IoFile file = openFile(ring, dir.resolve("jmx.dat"));
        drive(ring, file.write(0, buffer(PAGE)));
        drive(ring, file.read(0, buffer(PAGE)));
        final String name = ring.registerMBean();
        assertEquals(name, ring.registerMBean(), "idempotent");
        final ObjectName objectName = new ObjectName(name);
        assertEquals("dev.pageio", objectName.getDomain());
        assertEquals("Ring", objectName.getKeyProperty("type"));
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        assertEquals(1L, server.getAttribute(objectName, "Reads"));
        assertEquals(1L, server.getAttribute(objectName, "Writes"));
        assertEquals((long)PAGE, server.getAttribute(objectName, "BytesRead"));
        assertEquals(engine(), server.getAttribute(objectName, "Engine"));
        file.close();
        ring.close();
        assertTrue(!server.isRegistered(objectName), "unregistered at close");
    }

    @Test
    void shouldRecordOneJfrEventPerRequestAtThresholdZero() throws Exception
    {
        final int requests = 500;
        final IoRing ring = open(config("jfr").queueDepth(64).build());
        final Path path = dir.resolve("jfr.dat");
        final IoFile file = openFile(ring, path);
        final Path recordingFile = dir.resolve("requests.jfr");
        try (Recording recording = new Recording())
        {
            for (final String event : PageioJfr.REQUEST_EVENTS)
            {
                recording.enable(event).withThreshold(Duration.ZERO);
            }
            recording.start();
            for (int i = 0; i < requests; i += 32)
            {
                final List<CompletableFuture<?>> batch = new ArrayList<>();
                for (int j = i; j < Math.min(requests, i + 32); j++)
                {
                    final ByteBuffer page = buffer(PAGE);
                    page.putInt(0, j);
                    batch.add(file.write((long)j * PAGE, page));
                }
                drive(ring, batch.toArray(new CompletableFuture<?>[0]));
            }
            for (int i = 0; i < requests; i += 32)
            {
                final List<CompletableFuture<?>> batch = new ArrayList<>();
                for (int j = i; j < Math.min(requests, i + 32); j++)
                {
                    batch.add(file.read((long)j * PAGE, buffer(PAGE)));
                }
                drive(ring, batch.toArray(new CompletableFuture<?>[0]));
            }
            drive(ring, file.barrier(BarrierMode.DATA));
            recording.stop();
            recording.dump(recordingFile);
        }
        final String ringName = ring.config().name();
        final Set<Long> writeOffsets = new HashSet<>();
        final Set<Long> readOffsets = new HashSet<>();
        int barriers = 0;
        int syncs = 0;
        for (final RecordedEvent e : RecordingFile.readAllEvents(recordingFile))
        {
            final String type = e.getEventType().getName();
            if (!PageioJfr.REQUEST_EVENTS.contains(type) || !ringName.equals(e.getString("ring")))
            {
                continue;
            }
            assertEquals("dev.pageio", e.getEventType().getCategoryNames().get(0), type);
            assertEquals(engine(), e.getString("engine"), type);
            assertEquals(path.toString(), e.getString("path"), type);
            assertTrue(!e.getDuration().isNegative(), type);
            switch (type)
            {
                case "pageio.Write":
                case "pageio.Read":
                    assertEquals(PAGE, e.getLong("size"), e.toString());
                    assertEquals(PAGE, e.getLong("bytes"), e.toString());
                    assertEquals(0, e.getInt("errno"), e.toString());
                    assertNull(e.getString("error"), e.toString());
                    assertTrue((type.equals("pageio.Write") ? writeOffsets : readOffsets).add(e.getLong("offset")),
                        "one event per request: " + e);
                    break;
                case "pageio.Barrier":
                    barriers++;
                    assertEquals(requests, e.getLong("coveredSeq"), e.toString());
                    assertEquals(1, e.getLong("syncs"), e.toString());
                    assertEquals(1, e.getInt("waitersCompleted"), e.toString());
                    assertEquals("SUCCEEDED", e.getString("outcome"), e.toString());
                    break;
                case "pageio.Sync":
                    syncs++;
                    assertTrue(e.getBoolean("barrier"), e.toString());
                    assertEquals("fdatasync", e.getString("mode"), e.toString());
                    assertEquals(requests, e.getLong("coveredSeq"), e.toString());
                    assertEquals(requests, e.getLong("writesCovered"), e.toString());
                    break;
                default:
                    break;
            }
        }
        assertEquals(requests, writeOffsets.size(), "pageio.Write events");
        assertEquals(requests, readOffsets.size(), "pageio.Read events");
        for (long i = 0; i < requests; i++)
        {
            assertTrue(writeOffsets.contains(i * PAGE) && readOffsets.contains(i * PAGE), "offset " + i * PAGE);
        }
        assertEquals(1, barriers, "pageio.Barrier events");
        assertEquals(1, syncs, "pageio.Sync events");
        file.close();
    }
}
