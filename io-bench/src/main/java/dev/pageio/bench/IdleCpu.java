package dev.pageio.bench;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What idle rings cost (issue 11 item 15): opens {@code rings} rings of an engine, does one buffered write on each
 * (so that lazily started threads exist), lets them settle for a second, then measures the process's CPU time
 * ({@link CpuTime}: /proc/self/stat utime+stime) over {@code seconds} of doing nothing, and prints it as a
 * percentage of one core, with the process's thread count (/proc/self/status Threads). Run it once with
 * {@code rings=0} for the JVM's own idle cost.
 *
 * <pre>
 * java -cp io-bench/target/pageio-bench.jar dev.pageio.bench.IdleCpu ENGINE RINGS SECONDS DIR
 * </pre>
 */
public final class IdleCpu
{
    private IdleCpu()
    {
    }

    /**
     * @param args engine (threads, aio, io_uring), rings, seconds, directory for the files.
     * @throws Exception when a ring or a file cannot be opened.
     */
    public static void main(final String[] args) throws Exception
    {
        final String engine = args.length > 0 ? args[0] : "threads";
        final int rings = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        final int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        final Path dir = Files.createDirectories(Path.of(args.length > 3 ? args[3] : "/tmp/pageio-idle"));
        final List<IoRing> open = new ArrayList<>();
        final List<Path> paths = new ArrayList<>();
        try
        {
            for (int i = 0; i < rings; i++)
            {
                final IoRing ring = IoRing.open(RingConfig.builder().engine(engine).name("idle-" + i).build());
                open.add(ring);
                final Path path = dir.resolve("idle-" + ProcessHandle.current().pid() + "-" + i);
                paths.add(path);
                try (IoFile file = ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE))
                {
                    file.write(0, ByteBuffer.allocateDirect(4096)).get(30, TimeUnit.SECONDS);
                }
            }
            Thread.sleep(1000);
            final CpuTime before = CpuTime.now();
            final long start = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            final CpuTime used = CpuTime.now().since(before);
            final long wallNs = System.nanoTime() - start;
            System.out.printf("engine=%s rings=%d seconds=%d cpu=%.2f%% of a core (user=%d ms sys=%d ms) threads=%s%n",
                engine, rings, seconds, 100.0 * used.totalNs / wallNs, used.userNs / 1_000_000, used.systemNs / 1_000_000,
                threads());
        }
        finally
        {
            for (final IoRing ring : open)
            {
                ring.close();
            }
            for (final Path p : paths)
            {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String threads() throws java.io.IOException
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("Threads:"))
            {
                return line.substring("Threads:".length()).trim();
            }
        }
        return "?";
    }
}
