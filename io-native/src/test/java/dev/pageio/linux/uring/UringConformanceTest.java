package dev.pageio.linux.uring;

import dev.pageio.testing.EngineConformanceTest;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import org.junit.jupiter.api.Nested;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

/** The conformance suite on io_uring: buffered on ext4, O_DIRECT on ext4 and on tmpfs. */
class UringConformanceTest
{
    static final Path EXT4 = Path.of("target", "conformance-uring").toAbsolutePath();
    static final Path TMPFS = Path.of("/dev/shm", "pageio-conformance-uring-" + ProcessHandle.current().pid());

    @org.junit.jupiter.api.AfterAll
    static void removeDirectories() throws Exception
    {
        for (final Path root : new Path[] {TMPFS, EXT4})
        {
            if (java.nio.file.Files.exists(root))
            {
                try (var paths = java.nio.file.Files.walk(root))
                {
                    for (final Path p : (Iterable<Path>)paths.sorted(java.util.Comparator.reverseOrder())::iterator)
                    {
                        java.nio.file.Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    /** The suite on io_uring in a directory; buffered files unless a subclass opens them O_DIRECT. */
    abstract class OnUring extends EngineConformanceTest
    {
        private final Path directory;

        OnUring(final Path directory)
        {
            this.directory = directory;
        }

        @Override
        protected String engine()
        {
            return UringEngine.NAME;
        }

        @Override
        protected Path directory()
        {
            return directory;
        }
    }

    /** O_DIRECT files, adopted by the ring. */
    abstract class DirectOnUring extends OnUring
    {
        DirectOnUring(final Path directory)
        {
            super(directory);
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            return ring.adopt(FdFileAccess.open(path, EnumSet.of(READ, WRITE, CREATE), Arch.O_DIRECT));
        }

        @Override
        protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
        {
            return ring.adopt(FdFileAccess.open(path, EnumSet.of(WRITE), Arch.O_DIRECT));
        }

        @Override
        protected IoFile openReadOnly(final IoRing ring, final Path path) throws IOException
        {
            return ring.adopt(FdFileAccess.open(path, EnumSet.of(READ), Arch.O_DIRECT));
        }

        @Override
        protected IoFile openFifo(final IoRing ring, final Path path) throws IOException
        {
            // open(2) refuses O_DIRECT on a FIFO (EINVAL): the FIFO is buffered, the ring the same
            return ring.adopt(FdFileAccess.open(path, EnumSet.of(READ, WRITE), 0));
        }
    }

    @Nested
    class BufferedOnExt4 extends OnUring
    {
        BufferedOnExt4()
        {
            super(EXT4);
        }
    }

    @Nested
    class DirectOnExt4 extends DirectOnUring
    {
        DirectOnExt4()
        {
            super(EXT4);
        }
    }

    @Nested
    class DirectOnTmpfs extends DirectOnUring
    {
        DirectOnTmpfs()
        {
            super(TMPFS);
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            // the defaults: DEFER_TASKRUN on a dedicated agent, never on a CALLER ring
            org.junit.jupiter.api.Assertions.assertEquals(
                ring.config().threadMode() == dev.pageio.core.RingConfig.ThreadMode.DEDICATED,
                ((UringBackend)ring.backend()).deferTaskRun());
            return super.openFile(ring, path);
        }
    }

    /**
     * A spin budget of 0: with requests in flight the agent always sleeps at once (adaptive spin, issue 16 item 3),
     * so every batch it prepares is submitted by the io_uring_enter of its sleep (submit and wait in one system call)
     * except on the probes. The whole suite runs through that path.
     */
    @Nested
    class SleepAtOnceDirectOnExt4 extends DirectOnUring
    {
        SleepAtOnceDirectOnExt4()
        {
            super(EXT4);
        }

        @Override
        protected dev.pageio.core.RingConfig.Builder config()
        {
            return super.config().idle(org.agrona.concurrent.BusySpinIdleStrategy::new, 0);
        }
    }

    /**
     * Rings with the kernel's default task-run flags. The others run the defaults: SINGLE_ISSUER | DEFER_TASKRUN |
     * COOP_TASKRUN | TASKRUN_FLAG on their dedicated agent (and COOP alone in the CALLER-mode test).
     */
    @Nested
    class DefaultTaskRunDirectOnExt4 extends DirectOnUring
    {
        DefaultTaskRunDirectOnExt4()
        {
            super(EXT4);
        }

        @Override
        protected dev.pageio.core.RingConfig.Builder config()
        {
            return super.config().coopTaskRun(false).deferTaskRun(false);
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            org.junit.jupiter.api.Assertions.assertFalse(((UringBackend)ring.backend()).coopTaskRun());
            return super.openFile(ring, path);
        }
    }

    /** The POSIX AIO contract on io_uring: buffered on ext4, O_DIRECT on tmpfs. */
    @Nested
    class PosixBufferedOnExt4 extends dev.pageio.testing.PosixAioConformanceTest
    {
        @Override
        protected String engine()
        {
            return UringEngine.NAME;
        }

        @Override
        protected Path directory()
        {
            return EXT4;
        }
    }

    @Nested
    class PosixDirectOnTmpfs extends dev.pageio.testing.PosixAioConformanceTest
    {
        @Override
        protected String engine()
        {
            return UringEngine.NAME;
        }

        @Override
        protected Path directory()
        {
            return TMPFS;
        }

        @Override
        protected IoFile openFile(final IoRing ring, final Path path) throws IOException
        {
            return ring.adopt(FdFileAccess.open(path, EnumSet.of(READ, WRITE, CREATE), Arch.O_DIRECT));
        }

        @Override
        protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
        {
            return ring.adopt(FdFileAccess.open(path, EnumSet.of(WRITE), Arch.O_DIRECT));
        }
    }
}
