package dev.pageio.linux;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.testing.RingObservabilityConformanceTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

/**
 * The observability suite on io_uring and kernel AIO, on O_DIRECT files in tmpfs: one system call per batch
 * (io_uring_enter, io_submit).
 */
class NativeObservabilityTest
{
    static final Path TMPFS = Path.of("/dev/shm", "pageio-observe-" + ProcessHandle.current().pid());

    @AfterAll
    static void removeDirectory() throws IOException
    {
        Files.deleteIfExists(TMPFS);
    }

    /** The suite on a kernel engine, O_DIRECT. */
    abstract static class Direct extends RingObservabilityConformanceTest
    {
        @Override
        protected Path directory()
        {
            return TMPFS;
        }

        @Override
        protected int submitCallsPerBatch()
        {
            return 1;
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            final FdFileAccess access = FdFileAccess.open(path,
                EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE), Arch.O_DIRECT);
            try
            {
                return ring.adopt(access);
            }
            catch (final RuntimeException e)
            {
                access.close();
                throw e;
            }
        }
    }

    @Nested
    class OnIoUring extends Direct
    {
        @Override
        protected String engine()
        {
            return "io_uring";
        }
    }

    @Nested
    class OnAio extends Direct
    {
        @Override
        protected String engine()
        {
            return "aio";
        }
    }
}
