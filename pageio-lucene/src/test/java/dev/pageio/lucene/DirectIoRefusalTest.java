package dev.pageio.lucene;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.MergeInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Filesystems that really refuse O_DIRECT (open(2) fails with EINVAL): procfs, readable by anyone, and ramfs,
 * mounted here when the tests run as root (mounting needs CAP_SYS_ADMIN). {@link PageioDirectory} refuses with
 * the path, the filesystem and the errno; {@link PageioMergeDirectory} routes to its delegate and logs the reason
 * once.
 */
class DirectIoRefusalTest
{
    @TempDir
    Path tmp;

    private Path ramfs;

    @AfterEach
    void unmount() throws Exception
    {
        if (ramfs != null)
        {
            run("umount", ramfs.toString());
        }
    }

    private static int run(final String... command) throws Exception
    {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "timed out: " + String.join(" ", command));
        return p.exitValue();
    }

    private Path mountRamfs() throws Exception
    {
        final boolean root = "root".equals(System.getProperty("user.name"));
        assumeTrue(root, "mounting ramfs needs root (CAP_SYS_ADMIN); user=" + System.getProperty("user.name") +
            "; the procfs test still covers the refusal");
        final Path mount = Files.createDirectory(tmp.resolve("ramfs"));
        assertEquals(0, run("mount", "-t", "ramfs", "ramfs", mount.toString()), "mount -t ramfs " + mount);
        ramfs = mount;
        return mount;
    }

    @Test
    @Timeout(30)
    void shouldRefuseToReadAFileOnProcfsNamingTheFilesystemAndErrno() throws IOException
    {
        try (PageioDirectory dir = new PageioDirectory(Paths.get("/proc/self"), FSLockFactory.getDefault(),
            PageioDirectoryConfig.builder().engine("threads").build()))
        {
            final DirectIoRefusedException e = assertThrows(DirectIoRefusedException.class,
                () -> dir.openInput("status", IOContext.DEFAULT));
            assertTrue(e.getMessage().startsWith("O_DIRECT refused, PageioDirectory needs it"), e.getMessage());
            assertTrue(e.reason().contains("filesystem=proc errno=EINVAL"), e.reason());
        }
    }

    @Test
    @Timeout(60)
    void shouldRefuseToCreateAnOutputOnRamfsAndLeaveNoFile() throws Exception
    {
        final Path mount = mountRamfs();
        try (PageioDirectory dir = new PageioDirectory(mount, FSLockFactory.getDefault(),
            PageioDirectoryConfig.builder().engine("io_uring").build()))
        {
            final DirectIoRefusedException e = assertThrows(DirectIoRefusedException.class,
                () -> dir.createOutput("_0.cfs", IOContext.DEFAULT));
            assertEquals("filesystem refuses O_DIRECT: path=" + mount.resolve("_0.cfs") +
                " filesystem=ramfs errno=EINVAL", e.reason());
            assertFalse(Files.exists(mount.resolve("_0.cfs")), "a refused create leaves no file");
        }
    }

    @Test
    @Timeout(120)
    void shouldRouteMergesToTheDelegateOnRamfsAndLogTheReasonOnce() throws Exception
    {
        final Path mount = mountRamfs();
        final List<LogRecord> logged = new ArrayList<>();
        final Logger logger = Logger.getLogger(PageioMergeDirectory.class.getName());
        final Handler handler = new Handler()
        {
            @Override
            public synchronized void publish(final LogRecord record)
            {
                logged.add(record);
            }

            @Override
            public void flush()
            {
            }

            @Override
            public void close()
            {
            }
        };
        logger.addHandler(handler);
        try (PageioMergeDirectory dir = new PageioMergeDirectory(new MMapDirectory(mount),
            PageioDirectoryConfig.builder().engine("aio").build(), 0))
        {
            final IOContext merge = new IOContext(new MergeInfo(1000, 1L << 30, false, 1));
            try (IndexOutput out = dir.createOutput("a", merge))
            {
                out.writeInt(42);
            }
            try (IndexOutput out = dir.createOutput("b", merge))
            {
                out.writeInt(43);
            }
            assertNotNull(dir.refusedReason());
            assertTrue(dir.refusedReason().contains("filesystem=ramfs errno=EINVAL"), dir.refusedReason());
            assertEquals(0, dir.direct().directOutputs());
            assertEquals(1, logged.size(), "logged once");
            assertTrue(logged.get(0).getMessage().contains("filesystem=ramfs"), logged.get(0).getMessage());

            // A whole index works there, through the delegate.
            try (IndexWriter writer = new IndexWriter(dir, IndexRoundTripTest.writerConfig()))
            {
                final IndexRoundTripTest.Corpus corpus = new IndexRoundTripTest.Corpus(1);
                for (int i = 0; i < 1000; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.commit();
                writer.forceMerge(1);
                writer.commit();
            }
            try (DirectoryReader reader = DirectoryReader.open(dir))
            {
                assertEquals(1000, reader.numDocs());
            }
            assertEquals(1, logged.size(), "logged once");
        }
        finally
        {
            logger.removeHandler(handler);
        }
    }
}
