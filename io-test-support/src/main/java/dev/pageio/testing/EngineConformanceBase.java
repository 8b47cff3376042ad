package dev.pageio.testing;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The frame of the engine conformance suite ({@link EngineConformanceTest}): what a subclass names (the engine, the
 * directory, how a file is opened), the ring each test gets, and the helpers the tests share. Sizes and offsets are
 * multiples of {@link #PAGE} and buffers are page-aligned, so that the same tests hold on O_DIRECT files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EngineConformanceBase
{
    /** Page size of the tests: a multiple of every O_DIRECT alignment seen. */
    protected static final int PAGE = 4096;

    /** The ring each test gets, opened before it and closed after it. */
    protected IoRing ring;
    /** A fresh directory for the test's files, removed after it. */
    protected Path dir;
    private final List<IoRing> extraRings = new ArrayList<>();

    /** @return the engine's name for {@link RingConfig.Builder#engine}. */
    protected abstract String engine();

    /** @return a directory for test files (created if missing). */
    protected abstract Path directory();

    /**
     * Opens (creating) a read-write file on the ring: buffered by default; O_DIRECT subclasses override.
     *
     * @param ring the ring.
     * @param path the file.
     * @return the file, open on {@code ring}.
     * @throws IOException as the operating system reported it.
     */
    protected IoFile openFile(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
    }

    /**
     * Opens an existing file write-only: reads on it fail with EBADF from the operating system.
     *
     * @param ring the ring.
     * @param path the file.
     * @return the file, open on {@code ring}.
     * @throws IOException as the operating system reported it.
     */
    protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.WRITE);
    }

    /**
     * Opens an existing file read-only: writes on it fail with EBADF from the operating system.
     *
     * @param ring the ring.
     * @param path the file.
     * @return the file, open on {@code ring}.
     * @throws IOException as the operating system reported it.
     */
    protected IoFile openReadOnly(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ);
    }

    /**
     * Opens a FIFO read-write on the ring (so that the open does not wait for a writer, and a read waits for data
     * nobody writes): buffered by default; O_DIRECT subclasses override as for their files.
     *
     * @param ring the ring.
     * @param path the FIFO.
     * @return the FIFO, open on {@code ring}.
     * @throws IOException as the operating system reported it.
     */
    protected IoFile openFifo(final IoRing ring, final Path path) throws IOException
    {
        return ring.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    /** @return the configuration of the test's rings: the engine, queue depth 64; subclasses add to it. */
    protected RingConfig.Builder config()
    {
        return RingConfig.builder().engine(engine()).queueDepth(64).name("conf-" + engine());
    }

    @BeforeEach
    void openRing() throws IOException
    {
        dir = Files.createDirectories(directory()).resolve("conformance-" + System.nanoTime());
        Files.createDirectories(dir);
        ring = IoRing.open(config().build());
        assertEquals(engine(), ring.engineName());
    }

    @AfterEach
    void closeRing() throws IOException
    {
        if (ring != null)
        {
            ring.close();
        }
        for (final IoRing r : extraRings)
        {
            r.close();
        }
        if (dir != null && Files.exists(dir))
        {
            try (var files = Files.list(dir))
            {
                for (final Path p : (Iterable<Path>)files::iterator)
                {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * Opens another ring for the test, closed after it.
     *
     * @param config its configuration.
     * @return the ring.
     * @throws IOException when the engine could not open it.
     */
    protected IoRing extraRing(final RingConfig config) throws IOException
    {
        return closeAfterTest(IoRing.open(config));
    }

    /**
     * Closes {@code r} after the test, before the directory is removed.
     *
     * @param r a ring the test opened.
     * @return {@code r}.
     */
    protected IoRing closeAfterTest(final IoRing r)
    {
        extraRings.add(r);
        return r;
    }

    /**
     * @param size bytes.
     * @return a page-aligned direct buffer of {@code size} bytes.
     */
    protected static ByteBuffer buffer(final int size)
    {
        return ByteBuffer.allocateDirect(size + PAGE).alignedSlice(PAGE).limit(size).slice();
    }

    /**
     * @param size bytes.
     * @param seed of the pseudo-random bytes.
     * @return a page-aligned direct buffer of {@code size} pseudo-random bytes, the same for the same seed.
     */
    protected static ByteBuffer pattern(final int size, final long seed)
    {
        final ByteBuffer b = buffer(size);
        final Random random = new Random(seed);
        for (int i = 0; i < size; i++)
        {
            b.put(i, (byte)random.nextInt());
        }
        return b;
    }

    /**
     * @param b a buffer.
     * @return a copy of its remaining bytes (its position is left as it was).
     */
    protected static byte[] bytes(final ByteBuffer b)
    {
        final byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /**
     * Waits up to 30 s for a future and unwraps its failure.
     *
     * @param f   the future.
     * @param <T> its value's type.
     * @return its value.
     * @throws Exception the failure it completed with (not wrapped), or a timeout.
     */
    protected static <T> T get(final CompletableFuture<T> f) throws Exception
    {
        try
        {
            return f.get(30, TimeUnit.SECONDS);
        }
        catch (final ExecutionException e)
        {
            if (e.getCause() instanceof Exception)
            {
                throw (Exception)e.getCause();
            }
            throw e;
        }
    }
}
