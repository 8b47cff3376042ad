package dev.pageio.direct;

import dev.pageio.linux.Arch;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directories on ext4 (under target/) and tmpfs (/dev/shm), and descriptor counting. */
final class TestFiles
{
    private TestFiles()
    {
    }

    /** @return a fresh directory under this module's target/ (ext4 on this machine). */
    static Path ext4Dir(final String name) throws IOException
    {
        final Path base = Paths.get("target", "direct-tests").toAbsolutePath();
        Files.createDirectories(base);
        return Files.createTempDirectory(base, name);
    }

    /** @return a fresh directory under /dev/shm (tmpfs). */
    static Path tmpfsDir(final String name) throws IOException
    {
        return Files.createTempDirectory(Paths.get("/dev/shm"), "pageio-" + name);
    }

    static void deleteTree(final Path dir)
    {
        if (dir == null || !Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.deleteIfExists(p);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException(e);
                }
            });
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    /** @return how many descriptors this process has open. */
    static long openDescriptors() throws IOException
    {
        try (Stream<Path> fds = Files.list(Paths.get("/proc/self/fd")))
        {
            return fds.count();
        }
    }

    /**
     * statx(2) read here on its own, with the offsets of /usr/include/linux/stat.h written out, so that
     * discovery is checked against an independent reading: {mask, dio_mem_align, dio_offset_align, blksize, blocks}.
     */
    static int[] statxDioAlign(final Path path)
    {
        final int fd = Linux.open(path.toString(), Arch.O_RDONLY | Arch.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new IllegalStateException("open failed: path=" + path + " r=" + fd);
        }
        try
        {
            final ByteBuffer stx = ByteBuffer.allocateDirect(264).order(ByteOrder.nativeOrder());
            final long a = Linux.address(stx);
            final long r = Linux.syscall(Arch.SYS_STATX, fd, a + 256, 0x1000 /* AT_EMPTY_PATH */,
                0x2000 /* STATX_DIOALIGN */, a, 0);
            if (r < 0)
            {
                throw new IllegalStateException("statx failed: r=" + r);
            }
            return new int[] {stx.getInt(0), stx.getInt(0x98), stx.getInt(0x9c), stx.getInt(4), (int)stx.getLong(0x30)};
        }
        finally
        {
            Linux.close(fd);
        }
    }
}
