package dev.pageio.linux;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.Engines;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.IoEngine;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real I/O errors (BARRIER.md, "How to prove it"): a 128 MiB ext4 image (no journal, errors=continue) on a loop
 * device whose backing file lives on a 16 MiB tmpfs. O_DIRECT writes through the ring fill it until the backing
 * store is full and the loop device fails them (ENOSPC on Linux 6.x, EIO on some kernels); then the barrier must
 * fail, and stay failed with the same cause although fdatasync(2) on the descriptor returns 0 again (fsyncgate)
 * and a later overwrite of already backed blocks succeeds.
 *
 * <p>Needs root, /dev/loop-control, mount(8), losetup(8) (Debian: mount, util-linux) and mkfs.ext4 (e2fsprogs);
 * skips, saying which, where they are missing or refused (an unprivileged container). Everything is unmounted
 * and detached in all cases.
 */
class BarrierEioTest
{
    private static final int CHUNK = 1 << 20;

    @ParameterizedTest
    @ValueSource(strings = {"threads", "io_uring", "aio"})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldFailTheBarrierForGoodAfterAWriteErrorAlthoughTheNextFdatasyncReturnsZero(final String engine)
        throws Exception
    {
        final IoEngine found = Engines.all().stream().filter(e -> e.name().equals(engine)).findFirst().orElse(null);
        Assumptions.assumeTrue(found != null, "engine " + engine + " is not on this build");
        Assumptions.assumeTrue(found.available(), "engine " + engine + " unavailable: " + found.unavailableCause());
        assumeLoopDevicesAllowed();

        final Path base = Files.createTempDirectory(Path.of("target"), "barrier-eio-").toAbsolutePath();
        final Path tmpfs = Files.createDirectory(base.resolve("tmpfs"));
        final Path mnt = Files.createDirectory(base.resolve("mnt"));
        final List<String> cleanup = new ArrayList<>();
        String loop = null;
        try
        {
            Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", tmpfs.toString()).ok(),
                () -> "mount -t tmpfs refused here: " + last);
            cleanup.add(tmpfs.toString());
            final Path image = tmpfs.resolve("ext4.img");
            check(run("truncate", "-s", "128m", image.toString()));
            check(run("mkfs.ext4", "-q", "-F", "-O", "^has_journal", image.toString()));
            final Result attached = run("losetup", "-f", "--show", image.toString());
            Assumptions.assumeTrue(attached.ok(), () -> "losetup refused here: " + attached.output);
            loop = attached.output.trim();
            Assumptions.assumeTrue(run("mount", "-o", "errors=continue", loop, mnt.toString()).ok(),
                () -> "mount of the loop device refused here: " + last);
            cleanup.add(0, mnt.toString());

            fillAndCheck(engine, mnt.resolve("data"));
        }
        finally
        {
            for (final String mountPoint : cleanup)
            {
                if (!run("umount", mountPoint).ok())
                {
                    run("umount", "-l", mountPoint);
                }
            }
            if (loop != null)
            {
                run("losetup", "-d", loop);
            }
            try (Stream<Path> paths = Files.walk(base))
            {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void fillAndCheck(final String engine, final Path path) throws Exception
    {
        try (IoRing ring = IoRing.open(RingConfig.builder().engine(engine).queueDepth(8).build()))
        {
            final IoFile file = ring.adopt(FdFileAccess.open(path,
                Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE), Arch.O_DIRECT));
            final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK + 4096).alignedSlice(4096);
            chunk.limit(CHUNK);
            for (int i = 0; i < CHUNK; i++)
            {
                chunk.put(i, (byte)(i * 31 + 7));
            }
            // Succeeds while the tmpfs has room: a good barrier first.
            assertEquals(CHUNK, (long)file.write(0, chunk.duplicate()).get(30, TimeUnit.SECONDS));
            assertEquals(1L, (long)file.barrier(BarrierMode.DATA).get(30, TimeUnit.SECONDS));

            IoFailure writeFailure = null;
            for (long offset = CHUNK; offset < 96L * CHUNK && writeFailure == null; offset += CHUNK)
            {
                try
                {
                    file.write(offset, chunk.duplicate()).get(30, TimeUnit.SECONDS);
                }
                catch (final ExecutionException e)
                {
                    writeFailure = assertInstanceOf(IoFailure.class, e.getCause());
                }
            }
            assertNotNull(writeFailure, "96 MiB of O_DIRECT writes fit on a 16 MiB tmpfs: no error to test");
            final int errno = writeFailure.errno();
            System.out.println("BarrierEioTest[" + engine + "]: write failed: " + writeFailure.getMessage());

            final IoFailure first = barrierFailure(file);
            assertEquals(errno, first.errno(), "the barrier fails with the write's cause: " + first.getMessage());

            // fsyncgate: the kernel has nothing more to report.
            final int fd = file.access().fd();
            final int sync1 = Linux.fdatasync(fd);
            final int sync2 = Linux.fdatasync(fd);
            System.out.println("BarrierEioTest[" + engine + "]: fdatasync after the error: " + sync1 + ", then " + sync2);
            assertEquals(0, sync2, "the second fdatasync after the error returns 0 (what makes the poison necessary)");

            // An overwrite of blocks already backed by the tmpfs may succeed; the file stays poisoned all the same.
            String overwrite;
            try
            {
                overwrite = "ok " + file.write(0, chunk.duplicate()).get(30, TimeUnit.SECONDS);
            }
            catch (final ExecutionException e)
            {
                overwrite = String.valueOf(e.getCause());
            }
            System.out.println("BarrierEioTest[" + engine + "]: overwrite after the error: " + overwrite);
            final IoFailure again = barrierFailure(file);
            assertEquals(errno, again.errno(), "stays failed with the original cause: " + again.getMessage());
            assertNotNull(file.barrierPoison());

            // Close is a barrier, then close: it reports the poison, and the descriptor is closed all the same.
            final ExecutionException closed = assertThrows(ExecutionException.class,
                () -> file.closeAsync().get(30, TimeUnit.SECONDS));
            assertEquals(errno, assertInstanceOf(IoFailure.class, closed.getCause()).errno());
            assertTrue(file.isClosed());
        }
    }

    private static IoFailure barrierFailure(final IoFile file)
    {
        final ExecutionException e = assertThrows(ExecutionException.class,
            () -> file.barrier(BarrierMode.DATA).get(30, TimeUnit.SECONDS));
        return assertInstanceOf(IoFailure.class, e.getCause());
    }

    // ------------------------------------------------------------------------------------------------ commands

    private static void assumeLoopDevicesAllowed() throws IOException, InterruptedException
    {
        final Result id = run("id", "-u");
        Assumptions.assumeTrue(id.ok() && id.output.trim().equals("0"), "not root: uid=" + id.output.trim());
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/loop-control")), "no /dev/loop-control: no loop devices here");
        for (final String tool : new String[] {"mkfs.ext4", "losetup", "mount", "umount", "truncate"})
        {
            Assumptions.assumeTrue(run("sh", "-c", "command -v " + tool).ok(),
                tool + " missing (Debian packages: e2fsprogs for mkfs.ext4, mount and util-linux for losetup/mount)");
        }
    }

    private static String last = "";

    private static void check(final Result r)
    {
        if (!r.ok())
        {
            fail("command failed: " + r.output);
        }
    }

    private static Result run(final String... command)
    {
        try
        {
            final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS))
            {
                p.destroyForcibly();
                last = String.join(" ", command) + ": timed out";
                return new Result(-1, last);
            }
            last = String.join(" ", command) + ": exit=" + p.exitValue() + " " + output.trim();
            return new Result(p.exitValue(), output);
        }
        catch (final IOException e)
        {
            last = String.join(" ", command) + ": " + e;
            return new Result(-1, last);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static final class Result
    {
        final int status;
        final String output;

        Result(final int status, final String output)
        {
            this.status = status;
            this.output = output;
        }

        boolean ok()
        {
            return status == 0;
        }
    }
}
