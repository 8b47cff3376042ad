package dev.pageio.linux.aio;

import dev.pageio.testing.EngineConformanceTest;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The conformance suite on the aio engine: O_DIRECT files adopted by the ring, on ext4 (the module's target/) and
 * on tmpfs (/dev/shm; Linux 6.6+ takes O_DIRECT there). The same shape as the io_uring and thread engine suites.
 */
class AioConformanceTest
{
    static final Path EXT4 = Path.of("target", "conformance-aio").toAbsolutePath();
    static final Path TMPFS = Path.of("/dev/shm", "pageio-conformance-aio-" + ProcessHandle.current().pid());

    @AfterAll
    static void removeDirectory() throws IOException
    {
        Files.deleteIfExists(TMPFS);
    }

    /** The suite on aio in a directory, on O_DIRECT files. */
    abstract class DirectOnAio extends EngineConformanceTest
    {
        private final Path directory;

        DirectOnAio(final Path directory)
        {
            this.directory = directory;
        }

        @Override
        protected String engine()
        {
            return "aio";
        }

        @Override
        protected Path directory()
        {
            return directory;
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            return adoptDirect(ring, path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE));
        }

        @Override
        protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
        {
            return adoptDirect(ring, path, Set.of(StandardOpenOption.WRITE));
        }

        @Override
        protected IoFile openReadOnly(final IoRing ring, final Path path) throws IOException
        {
            return adoptDirect(ring, path, Set.of(StandardOpenOption.READ));
        }
    }

    @Nested
    class DirectOnExt4 extends DirectOnAio
    {
        DirectOnExt4()
        {
            super(EXT4);
        }
    }

    @Nested
    class DirectOnTmpfs extends DirectOnAio
    {
        DirectOnTmpfs()
        {
            super(TMPFS);
        }
    }

    /** The POSIX AIO contract on aio, O_DIRECT files on ext4. */
    @Nested
    class PosixDirectOnExt4 extends dev.pageio.testing.PosixAioConformanceTest
    {
        @Override
        protected String engine()
        {
            return "aio";
        }

        @Override
        protected Path directory()
        {
            return EXT4;
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            return adoptDirect(ring, path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE));
        }

        @Override
        protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
        {
            return adoptDirect(ring, path, Set.of(StandardOpenOption.WRITE));
        }
    }

    private static IoFile adoptDirect(final IoRing ring, final Path path, final Set<? extends OpenOption> options)
        throws IOException
    {
        final FdFileAccess access = FdFileAccess.open(path, options, Arch.O_DIRECT);
        try
        {
            AioEngine.requireDirect(access);
            return ring.adopt(access);
        }
        catch (final RuntimeException e)
        {
            access.close();
            throw e;
        }
    }
}
