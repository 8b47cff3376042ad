package dev.pageio.direct;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Registered buffers fail soft without privilege (issue 11 item 14): a child JVM started under
 * {@code prlimit --memlock=65536:65536} and, when this test runs as root, {@code setpriv} to the user nobody (no
 * CAP_IPC_LOCK: the limit applies) opens a page store on io_uring whose 1 MiB pool cannot be pinned. The open
 * succeeds, the store runs with plain READ/WRITE, the reason (ENOMEM, RLIMIT_MEMLOCK) is kept, and a page goes
 * round trip through a barrier.
 */
class PageStoreMemlockTest
{
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldOpenWithPlainReadWriteWhenRegistrationIsRefusedByASmallMemlockLimitAsNonRoot() throws Exception
    {
        final boolean root = "0".equals(uid());
        final Path work = Files.createTempDirectory("pageio-memlock-");
        try
        {
            Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxrwxrwx"));
            // the child may run as nobody, who cannot read ~/.m2 under /root: its jars are copied here
            final Path lib = Files.createDirectories(work.resolve("lib"));
            final List<String> classPath = new ArrayList<>();
            for (final String entry : TestClassPath.expanded().split(File.pathSeparator))
            {
                final Path p = Path.of(entry);
                if (Files.isRegularFile(p) && entry.endsWith(".jar") && !p.getFileName().toString().startsWith("surefire"))
                {
                    final Path copy = lib.resolve(classPath.size() + "-" + p.getFileName());
                    Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
                    classPath.add(copy.toString());
                }
                else if (Files.isDirectory(p))
                {
                    classPath.add(entry);
                }
            }
            final List<String> command = new ArrayList<>(List.of("prlimit", "--memlock=65536:65536"));
            if (root)
            {
                command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            }
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djna.tmpdir=" + work, "-Djava.io.tmpdir=" + work,
                "-cp", String.join(File.pathSeparator, classPath), MemlockChild.class.getName(),
                work.resolve("store.db").toString()));
            final Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String out = new String(child.getInputStream().readAllBytes());
            assertTrue(child.waitFor(60, TimeUnit.SECONDS), out);
            assertEquals(0, child.exitValue(), "the open must not fail: " + command + "\n" + out);
            assertTrue(out.contains("uid=" + (root ? "65534" : uid())), out);
            assertTrue(out.contains("memlock=65536"), out);
            assertTrue(out.contains("engine=io_uring"), out);
            assertTrue(out.contains("registered=false"), "the 1 MiB pool cannot be pinned under 64 KiB: " + out);
            assertTrue(out.contains("ENOMEM") && out.contains("RLIMIT_MEMLOCK"), "the reason is kept: " + out);
            assertTrue(out.contains("page buffers not registered"), "and logged: " + out);
            assertTrue(out.contains("readBack=true") && out.contains("closed=true"), out);
        }
        finally
        {
            try (var paths = Files.walk(work))
            {
                for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
                {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String uid() throws Exception
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("Uid:"))
            {
                return line.split("\\s+")[1];
            }
        }
        return "?";
    }
}
