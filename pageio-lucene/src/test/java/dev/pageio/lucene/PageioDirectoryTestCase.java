package dev.pageio.lucene;

import java.io.IOException;
import java.nio.file.Path;

import com.carrotsearch.randomizedtesting.annotations.ThreadLeakFilters;

import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.tests.store.BaseDirectoryTestCase;

/**
 * Lucene's own conformance suite for a {@code Directory} ({@code BaseDirectoryTestCase}, lucene-test-framework),
 * run on {@link PageioDirectory} once per engine. Block sizes are drawn from the test seed so block boundaries
 * fall everywhere, and so is {@code callerThreadReads}: with it off every read of a test goes through the engine,
 * with it on the reads the test's platform threads wait for are {@code pread}s and read-ahead uses the engine.
 * JUnit 4 (randomizedtesting) requires public classes; the seed is printed on failure ({@code -Dtests.seed=...}
 * replays it).
 */
@ThreadLeakFilters(defaultFilters = true, filters = JnaCleanerThreadFilter.class)
public abstract class PageioDirectoryTestCase extends BaseDirectoryTestCase
{
    /** @return the engine every directory of this suite must run on. */
    protected abstract String engine();

    /**
     * @return files up to this size are read whole when opened: drawn from the seed (never, 4 KiB, the default
     * 1 MiB), so that both read paths, whole and windowed, run on every engine.
     */
    protected int wholeFileReadMaxBytes()
    {
        final int[] sizes = {0, 4096, 1 << 20};
        return sizes[random().nextInt(sizes.length)];
    }

    @Override
    protected Directory getDirectory(final Path path) throws IOException
    {
        final int[] sizes = {4096, 8192, 65536, 256 * 1024};
        final PageioDirectoryConfig config = PageioDirectoryConfig.builder()
            .engine(engine())
            .queueDepth(64)
            .writeBlockBytes(sizes[random().nextInt(sizes.length)])
            .readBlockBytes(sizes[random().nextInt(sizes.length - 1)])
            .unsyncedFilesMax(1 + random().nextInt(64))
            .wholeFileReadMaxBytes(wholeFileReadMaxBytes())
            .callerThreadReads(random().nextBoolean())
            .build();
        final PageioDirectory dir = new PageioDirectory(path, FSLockFactory.getDefault(), config);
        assertEquals("the ring must run on the engine asked for, with no fallback", engine(), dir.engine());
        return dir;
    }
}
