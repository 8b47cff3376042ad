package dev.pageio.testing.sim;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Raw simulated files: they keep the bytes each write carried (no test pattern), so code with its own on-disk
 * format can be crash-tested: {@code crashBytes} is the content a reboot would see, and a file made from it reads
 * that content back.
 */
class SimulatedFileRawTest
{
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldKeepTheDurableBytesAndDropTheVolatileOnesInTheCrashImage() throws Exception
    {
        final byte[] durable = bytes(1, 2 * SimulatedFile.SECTOR);
        final byte[] volatileBytes = bytes(2, SimulatedFile.SECTOR);
        final SimulatedFile device = new SimulatedFile(Path.of("raw")).raw();
        final byte[] image;
        try (IoRing ring = SimulatedEngine.open(RingConfig.builder().queueDepth(8), new SimulatedSchedule(7)))
        {
            final IoFile file = ring.adopt(device);
            file.write(0, direct(durable)).get(10, TimeUnit.SECONDS);
            file.barrier(BarrierMode.DATA).get(10, TimeUnit.SECONDS);
            file.write(durable.length, direct(volatileBytes)).get(10, TimeUnit.SECONDS);

            final ByteBuffer current = ByteBuffer.allocateDirect(durable.length + volatileBytes.length);
            assertEquals(current.capacity(), file.read(0, current).get(10, TimeUnit.SECONDS));
            assertArrayEquals(concat(durable, volatileBytes), array(current), "reads see the newest bytes");
            // The crash comes now, before close (a barrier) would make the second write durable. The device is
            // idle: the read's completion ordered its state before this thread's look.
            image = device.crashBytes(SimulatedFile.CrashMode.DROP_VOLATILE, new Random(1));
        }
        assertTrue(device.problems().isEmpty(), "a raw file checks no pattern: " + device.problems());
        assertEquals(durable.length + volatileBytes.length, image.length);
        assertArrayEquals(durable, Arrays.copyOf(image, durable.length));
        assertArrayEquals(new byte[volatileBytes.length], Arrays.copyOfRange(image, durable.length, image.length),
            "the unsynced write is gone: zeros");

        final SimulatedFile rebooted = new SimulatedFile(Path.of("raw"), image);
        try (IoRing ring = SimulatedEngine.open(RingConfig.builder().queueDepth(8), new SimulatedSchedule(8)))
        {
            final IoFile file = ring.adopt(rebooted);
            assertEquals(image.length, file.size());
            final ByteBuffer read = ByteBuffer.allocateDirect(image.length);
            assertEquals(image.length, file.read(0, read).get(10, TimeUnit.SECONDS));
            assertArrayEquals(image, array(read), "a file started from an image reads it back");
        }
        assertArrayEquals(image, rebooted.crashBytes(SimulatedFile.CrashMode.DROP_VOLATILE, new Random(2)),
            "the starting image is durable");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldMakeEveryCompletedWriteDurableWithoutASyncOnAnODsyncFile() throws Exception
    {
        final byte[] first = bytes(3, SimulatedFile.SECTOR);
        final byte[] second = bytes(4, SimulatedFile.SECTOR);
        final SimulatedFile device = new SimulatedFile(Path.of("dsync")).raw().dsync();
        final SimulatedFile failing = new SimulatedFile(Path.of("dsync-failing")).raw().dsync().latentWriteError(1);
        final byte[] image;
        try (IoRing ring = SimulatedEngine.open(RingConfig.builder().queueDepth(8), new SimulatedSchedule(9)))
        {
            final IoFile file = ring.adopt(device);
            assertTrue(file.access().syncWrites());
            file.write(0, direct(first)).get(10, TimeUnit.SECONDS);
            file.write(first.length, direct(second)).get(10, TimeUnit.SECONDS);
            // A barrier on an O_DSYNC file completes once its writes did, with no sync (BARRIER.md rule 10).
            file.barrier(BarrierMode.DATA).get(10, TimeUnit.SECONDS);
            assertEquals(0, device.syncsIssued(), "syncs issued");
            image = device.crashBytes(SimulatedFile.CrashMode.DROP_VOLATILE, new Random(3));

            // A write whose writeback fails: on an O_DSYNC file that is the write's own result.
            final IoFile bad = ring.adopt(failing);
            final ExecutionException e = assertThrows(ExecutionException.class,
                () -> bad.write(0, direct(first)).get(10, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause()).contains("EIO"), String.valueOf(e.getCause()));
            assertThrows(IoFailure.class, bad::close, "the failed write poisons the file's barriers, close's too");
        }
        assertArrayEquals(concat(first, second), image, "both completed writes survive a crash with no sync");
    }

    @Test
    void shouldRefuseCrashBytesOnAPatternFile()
    {
        final IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> new SimulatedFile(Path.of("pattern")).crashBytes(SimulatedFile.CrashMode.TEAR, new Random(1)));
        assertEquals("crashBytes needs a raw file: path=pattern", e.getMessage());
    }

    private static byte[] bytes(final long seed, final int length)
    {
        final byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static ByteBuffer direct(final byte[] bytes)
    {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] array(final ByteBuffer b)
    {
        final byte[] out = new byte[b.capacity()];
        b.get(0, out);
        return out;
    }

    private static byte[] concat(final byte[] a, final byte[] b)
    {
        final byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
