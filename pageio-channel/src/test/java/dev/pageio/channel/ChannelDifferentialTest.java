package dev.pageio.channel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The differential suite's random part: one seeded script of reads, writes, sizes, truncates and forces (sizes 1 B
 * to 1 MiB, random offsets, heap/direct/read-only buffers with data around the window, futures and handlers, reads
 * past end of file) runs against the JDK's channel and against {@link PageioFileChannel} on each engine, each on its
 * own file; every result, exception type, buffer position/limit/content and the final file must be the same.
 * O_DIRECT scripts use aligned positions, lengths and buffers (the JDK's channel fails the others with EINVAL; pageio
 * refuses them at the call: see {@code ChannelContractTest}). Replay a failure with {@code -Dafc.seed=N}.
 */
class ChannelDifferentialTest
{
    static final long SEED = Long.getLong("afc.seed", System.nanoTime());
    static final Path DIR = Path.of("/tmp/h-afc/differential");
    private static final int MAX_SIZE = 1 << 20;
    private static final int OPS = 80;
    private static ExecutorService executor;

    @BeforeAll
    static void setUp() throws IOException
    {
        Files.createDirectories(DIR);
        final AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r ->
        {
            final Thread t = new Thread(r, "afc-handler-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        System.out.println("ChannelDifferentialTest seed=" + SEED + " (replay with -Dafc.seed=" + SEED + ")");
    }

    @AfterAll
    static void tearDown() throws InterruptedException
    {
        executor.shutdown();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    static Stream<Subject> subjects()
    {
        return Subject.pageio().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(300)
    void shouldObserveWhatTheJdkObservesOverARandomScript(final Subject subject) throws Exception
    {
        final long seed = SEED + subject.toString().hashCode();
        final List<String> expected = script(subject.oracle(), seed);
        final List<String> actual = script(subject, seed);
        for (int i = 0; i < Math.min(expected.size(), actual.size()); i++)
        {
            assertEquals(expected.get(i), actual.get(i), "step " + i + " differs: subject=" + subject +
                " seed=" + SEED + " (replay with -Dafc.seed=" + SEED + ")");
        }
        assertEquals(expected.size(), actual.size(), "steps: seed=" + SEED);
    }

    static int alignment(final boolean direct) throws IOException
    {
        return direct ? Math.toIntExact(Files.getFileStore(DIR).getBlockSize()) : 1;
    }

    private static List<String> script(final Subject subject, final long seed) throws Exception
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final Path path = DIR.resolve(subject.engine() + (subject.direct() ? "-direct-" : "-buffered-") + seed);
        Files.deleteIfExists(path);
        final int a = alignment(subject.direct());
        final List<String> log = new ArrayList<>();
        try (AsynchronousFileChannel ch = subject.open(path, executor,
            StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE))
        {
            for (int step = 0; step < OPS; step++)
            {
                final int kind = random.nextInt(100);
                if (kind < 40)
                {
                    final ByteBuffer b = buffer(random, a, subject.direct(), true);
                    final long position = position(random, a);
                    final boolean handler = random.nextBoolean();
                    log.add("write " + describe(b) + " at=" + position + " handler=" + handler + " -> " +
                        Observe.write(ch, b, position, handler) + Observe.buffer(b));
                }
                else if (kind < 80)
                {
                    final ByteBuffer b = buffer(random, a, subject.direct(), false);
                    final long position = position(random, a);
                    final boolean handler = random.nextBoolean();
                    log.add("read " + describe(b) + " at=" + position + " handler=" + handler + " -> " +
                        Observe.read(ch, b, position, handler) + Observe.buffer(b));
                }
                else if (kind < 87)
                {
                    log.add("size -> " + Observe.call(ch::size));
                }
                else if (kind < 92)
                {
                    final long size = (long)random.nextInt(5 * MAX_SIZE / a) * a;
                    log.add("truncate " + size + " -> " + Observe.call(() -> ch.truncate(size) == ch) + " size=" +
                        Observe.call(ch::size));
                }
                else
                {
                    final boolean meta = random.nextBoolean();
                    log.add("force " + meta + " -> " + Observe.call(() ->
                    {
                        ch.force(meta);
                        return "done";
                    }));
                }
            }
        }
        log.add("file " + Files.size(path) + " crc=" + crc(path));
        Files.deleteIfExists(path);
        return log;
    }

    private static String describe(final ByteBuffer b)
    {
        return (b.isDirect() ? "direct" : "heap") + (b.isReadOnly() ? "-ro" : "") + "[" + b.position() + "," +
            b.limit() + "/" + b.capacity() + "]";
    }

    private static long position(final SplittableRandom random, final int a)
    {
        // up to 5 MiB: past the end of the file often enough (it grows to ~4 MiB)
        return a > 1 ? (long)random.nextInt(5 * MAX_SIZE / a) * a : random.nextLong(5L * MAX_SIZE);
    }

    /**
     * A buffer with a window of 1 B to 1 MiB (log-uniform) between random padding, filled with random bytes; heap,
     * direct, read-only of either (a read into a read-only buffer must be refused alike), or a zero-length window.
     */
    static ByteBuffer buffer(final SplittableRandom random, final int a, final boolean direct, final boolean forWrite)
    {
        final int length;
        final int pad;
        final int tail;
        if (a > 1)
        {
            length = a * (1 + random.nextInt(MAX_SIZE / a));
            pad = a * random.nextInt(3);
            tail = a * random.nextInt(2);
        }
        else
        {
            length = random.nextInt(50) == 0 ? 0 : (int)Math.min(MAX_SIZE, Math.round(Math.pow(2, random.nextDouble(21))));
            pad = random.nextInt(64);
            tail = random.nextInt(64);
        }
        final int type = random.nextInt(forWrite ? 4 : 5);
        // on O_DIRECT files the JDK's channel needs aligned native memory: only direct buffers there
        final boolean heap = a == 1 && (type == 0 || type == 2);
        final ByteBuffer b = heap ? ByteBuffer.allocate(pad + length + tail) :
            ByteBuffer.allocateDirect(pad + length + tail + Math.max(a, 8)).alignedSlice(Math.max(a, 8))
                .limit(pad + length + tail).slice();
        final byte[] bytes = new byte[b.capacity()];
        random.nextBytes(bytes);
        b.put(bytes).clear();
        b.position(pad).limit(pad + length);
        if (type >= 2 && (forWrite || type == 4))
        {
            return b.asReadOnlyBuffer();
        }
        return b;
    }

    static String crc(final Path path) throws IOException
    {
        final CRC32 crc = new CRC32();
        try (FileChannel fc = FileChannel.open(path, StandardOpenOption.READ))
        {
            final ByteBuffer b = ByteBuffer.allocate(1 << 16);
            while (fc.read(b) > 0)
            {
                crc.update(b.flip());
                b.clear();
            }
        }
        return Long.toHexString(crc.getValue());
    }
}
