package dev.pageio.core;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The agent's cheap threshold compare for pageio's JFR request events ({@link EventClock}), on a CALLER ring of the
 * thread engine, so that the test thread is the agent and reads its counters without a race. At the shipped 20 ms
 * ({@code pageio.jfc}) the agent skips the end of fast requests once a probe has shown the threshold above the
 * floor, and every request is counted exactly once (asked or skipped); at 0 ms every request is asked and
 * recorded; a recording that starts makes the agent ask again at once; while every event is disabled the clock is
 * read once per {@link EventClock#IDLE_CYCLES} cycles. Counts only: the loops wait (bounded) for the agent's probes
 * and no duration is asserted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EventClockTest
{
    private static final int PAGE = 4096;
    private static final int PAGES = 256;
    private static final long WAIT_NS = TimeUnit.SECONDS.toNanos(60);

    private static IoRing open(final String name) throws Exception
    {
        return IoRing.open(RingConfig.builder().engine("threads").workerThreads(1).queueDepth(8)
            .threadMode(RingConfig.ThreadMode.CALLER).name(name + "-" + System.nanoTime()).build());
    }

    private static IoFile file(final IoRing ring, final String name) throws Exception
    {
        final Path dir = Files.createDirectories(Path.of("target", "event-clock").toAbsolutePath());
        final Path path = dir.resolve(ring.config().name() + "-" + name);
        final IoFile file = ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
            StandardOpenOption.CREATE);
        final ByteBuffer page = page();
        for (int i = 0; i < PAGES; i++)
        {
            await(ring, file.write((long)i * PAGE, page.duplicate()));
        }
        return file;
    }

    private static ByteBuffer page()
    {
        return ByteBuffer.allocateDirect(PAGE * 2).alignedSlice(PAGE).limit(PAGE);
    }

    private static void await(final IoRing ring, final CompletableFuture<?> future)
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (!future.isDone())
        {
            ring.poll();
            assertTrue(System.nanoTime() - deadline < 0, "the request did not complete: " + future);
        }
        future.join();
    }

    /** @return the ring's clock once the agent (this thread's polls) has taken it. */
    private static EventClock clock(final IoRing ring)
    {
        final long deadline = System.nanoTime() + WAIT_NS;
        while (ring.eventClock() == null)
        {
            ring.poll();
            assertTrue(System.nanoTime() - deadline < 0, "JFR initialized but the ring has no event clock");
        }
        return ring.eventClock();
    }

    private static void read(final IoRing ring, final IoFile file, final ByteBuffer buffer, final int page)
    {
        buffer.clear().limit(PAGE);
        await(ring, file.read((long)page * PAGE, buffer));
    }

    @Test
    void shouldSkipTheEndOfFastRequestsAtTheShippedThresholdAndCountEachOnce() throws Exception
    {
        try (Recording recording = new Recording(PageioJfr.configuration()))
        {
            recording.start();
            try (IoRing ring = open("clock-skip"); IoFile file = file(ring, "skip.dat"))
            {
                final EventClock clock = clock(ring);
                final long asked = clock.asked;
                final long skipped = clock.skipped;
                final long clockReads = clock.clockReads;
                final ByteBuffer buffer = page();
                long reads = 0;
                final long deadline = System.nanoTime() + WAIT_NS;
                // the first probe runs 5 ms of cycles after the clock began: wait (bounded) for a skip, then 1000 more
                while (clock.skipped == skipped)
                {
                    read(ring, file, buffer, (int)(reads++ % PAGES));
                    assertTrue(System.nanoTime() - deadline < 0, "no request skipped after reads=" + reads +
                        " probes=" + clock.probeRuns + " floorNs=" + clock.floorNs(EventClock.READ));
                }
                for (int i = 0; i < 1000; i++)
                {
                    read(ring, file, buffer, (int)(reads++ % PAGES));
                }
                final long askedNow = clock.asked - asked;
                final long skippedNow = clock.skipped - skipped;
                assertEquals(reads, askedNow + skippedNow, "each read's event asked or skipped once: asked=" +
                    askedNow + " skipped=" + skippedNow);
                System.out.printf("event clock: reads=%d asked=%d skipped=%d clock reads=%d: JFR timestamps per read"
                        + " %.3f (begin 1 + end %.3f), nanoTime per read %.3f%n", reads, askedNow, skippedNow,
                    clock.clockReads - clockReads, 1.0 + (double)askedNow / reads, (double)askedNow / reads,
                    (double)(clock.clockReads - clockReads) / reads);
            }
        }
    }

    @Test
    void shouldAskForAndRecordEveryRequestAtThresholdZero() throws Exception
    {
        final Path dump = Files.createDirectories(Path.of("target", "event-clock").toAbsolutePath())
            .resolve("zero-" + System.nanoTime() + ".jfr");
        final String ringName;
        long reads = 0;
        try (Recording recording = new Recording())
        {
            for (final String event : PageioJfr.REQUEST_EVENTS)
            {
                recording.enable(event).withThreshold(Duration.ZERO);
            }
            recording.start();
            try (IoRing ring = open("clock-zero"); IoFile file = file(ring, "zero.dat"))
            {
                ringName = ring.config().name();
                final EventClock clock = clock(ring);
                final long skipped = clock.skipped;
                final long probes = clock.probeRuns;
                final ByteBuffer buffer = page();
                final long deadline = System.nanoTime() + WAIT_NS;
                while (clock.probeRuns < probes + 2 || reads < PAGES)
                {
                    read(ring, file, buffer, (int)(reads++ % PAGES));
                    assertTrue(System.nanoTime() - deadline < 0, "fewer than two probes after reads=" + reads);
                }
                assertEquals(skipped, clock.skipped, "no request skipped at threshold 0");
                assertEquals(0, clock.floorNs(EventClock.READ));
            }
            recording.stop();
            recording.dump(dump);
        }
        long events = 0;
        for (final RecordedEvent e : RecordingFile.readAllEvents(dump))
        {
            if (e.getEventType().getName().equals("pageio.Read") && ringName.equals(e.getString("ring")))
            {
                events++;
            }
        }
        Files.deleteIfExists(dump);
        assertEquals(reads, events, "one pageio.Read per read at threshold 0");
    }

    @Test
    void shouldAskAgainForEveryRequestOnceARecordingStarts() throws Exception
    {
        final Path dump = Files.createDirectories(Path.of("target", "event-clock").toAbsolutePath())
            .resolve("restart-" + System.nanoTime() + ".jfr");
        final String ringName;
        final int after = 100;
        try (Recording shipped = new Recording(PageioJfr.configuration()))
        {
            shipped.start();
            try (IoRing ring = open("clock-epoch"); IoFile file = file(ring, "epoch.dat"))
            {
                ringName = ring.config().name();
                final EventClock clock = clock(ring);
                final ByteBuffer buffer = page();
                final long skipped = clock.skipped;
                final long deadline = System.nanoTime() + WAIT_NS;
                long reads = 0;
                while (clock.skipped == skipped)
                {
                    read(ring, file, buffer, 0); // page 0 only: the later reads' offsets are the ones counted
                    reads++;
                    assertTrue(System.nanoTime() - deadline < 0, "no request skipped after reads=" + reads);
                }
                try (Recording zero = new Recording())
                {
                    zero.enable("pageio.Read").withThreshold(Duration.ZERO);
                    final long floor = clock.floorNs(EventClock.READ);
                    assertTrue(floor > 0, "a read was skipped: the floor is above 0");
                    zero.start();
                    // no duty cycle since: the floor is the one probed before, and it is not trusted any more
                    assertEquals(floor, clock.floorNs(EventClock.READ));
                    assertFalse(clock.skips(EventClock.READ, clock.cycleNs()),
                        "a floor probed before a recording started skips nothing after it");
                    ring.poll();
                    assertEquals(0, clock.floorNs(EventClock.READ), "the first cycle after the start resets it");
                    // the floor the agent probed under the shipped recording no longer holds: nothing is skipped
                    for (int page = 1; page <= after; page++)
                    {
                        read(ring, file, buffer, page);
                    }
                    zero.stop();
                    zero.dump(dump);
                }
            }
        }
        final Set<Long> offsets = new HashSet<>();
        for (final RecordedEvent e : RecordingFile.readAllEvents(dump))
        {
            if (e.getEventType().getName().equals("pageio.Read") && ringName.equals(e.getString("ring")) &&
                e.getLong("offset") >= PAGE)
            {
                assertTrue(offsets.add(e.getLong("offset")), "one event per read: " + e);
            }
        }
        Files.deleteIfExists(dump);
        assertEquals(after, offsets.size(), "every read after the zero-threshold recording started is recorded");
    }

    @Test
    void shouldReadTheClockOnceInManyCyclesWhileEveryEventIsDisabled() throws Exception
    {
        try (Recording recording = new Recording())
        {
            for (final String event : PageioJfr.REQUEST_EVENTS)
            {
                recording.disable(event);
            }
            recording.start();
            try (IoRing ring = open("clock-off"); IoFile file = file(ring, "off.dat"))
            {
                final EventClock clock = clock(ring);
                final long deadline = System.nanoTime() + WAIT_NS;
                while (clock.probeRuns == 0)
                {
                    ring.poll();
                    assertTrue(System.nanoTime() - deadline < 0, "no probe ran: cycles=" + clock.cycles);
                }
                final long asked = clock.asked + clock.skipped;
                final long clockReads = clock.clockReads;
                final long cycles = clock.cycles;
                final ByteBuffer buffer = page();
                for (int i = 0; i < 100; i++)
                {
                    read(ring, file, buffer, i);
                }
                for (int i = 0; i < 10_000; i++)
                {
                    ring.poll();
                }
                final long cyclesNow = clock.cycles - cycles;
                final long readsNow = clock.clockReads - clockReads;
                assertEquals(asked, clock.asked + clock.skipped, "a disabled event is neither begun nor asked");
                assertTrue(readsNow <= cyclesNow / EventClock.IDLE_CYCLES + 1,
                    "clock reads=" + readsNow + " over cycles=" + cyclesNow);
            }
        }
    }
}
