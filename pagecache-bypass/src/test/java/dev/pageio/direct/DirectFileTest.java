package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.linux.Arch;
import dev.pageio.linux.Linux;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumSet;
import java.util.Set;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectFileTest
{
    private static final Set<java.nio.file.StandardOpenOption> RW_CREATE = EnumSet.of(READ, WRITE, CREATE);

    /** A filesystem that refuses O_DIRECT at open, as ramfs or a FUSE mount without direct_io does. */
    private static final NativeOps REFUSES_O_DIRECT = new NativeOps()
    {
        @Override
        public int open(final String path, final int flags, final int mode)
        {
            if ((flags & Arch.O_DIRECT) != 0)
            {
                // The kernel creates the file before refusing O_DIRECT (do_dentry_open): play that too.
                final int fd = Linux.open(path, flags & ~Arch.O_DIRECT, mode);
                if (fd >= 0)
                {
                    Linux.close(fd);
                }
                return -Errno.EINVAL;
            }
            return Linux.open(path, flags, mode);
        }

        @Override
        public int fallocate(final int fd, final int mode, final long fileOffset, final long length)
        {
            return Linux.fallocate(fd, mode, fileOffset, length);
        }
    };

    /** A filesystem without fallocate (as ext3 or NFSv3). */
    private static final NativeOps NO_FALLOCATE = new NativeOps()
    {
        @Override
        public int open(final String path, final int flags, final int mode)
        {
            return Linux.open(path, flags, mode);
        }

        @Override
        public int fallocate(final int fd, final int mode, final long fileOffset, final long length)
        {
            return -Errno.EOPNOTSUPP;
        }
    };

    private Path ext4;
    private Path tmpfs;

    @BeforeEach
    void setUp() throws IOException
    {
        ext4 = TestFiles.ext4Dir("direct");
        tmpfs = TestFiles.tmpfsDir("direct");
    }

    @AfterEach
    void tearDown()
    {
        TestFiles.deleteTree(ext4);
        TestFiles.deleteTree(tmpfs);
    }

    private static void assertAlignmentMatchesStatx(final Path file) throws IOException
    {
        try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED))
        {
            assertTrue(f.direct());
            final int[] stx = TestFiles.statxDioAlign(file);
            System.out.println("statx " + f.fileSystem() + ": mask=0x" + Integer.toHexString(stx[0]) +
                " dio_mem_align=" + stx[1] + " dio_offset_align=" + stx[2] + " blksize=" + stx[3] + " -> " +
                f.alignment());
            if ((stx[0] & 0x2000) != 0 && stx[1] != 0 && stx[2] != 0)
            {
                assertEquals(new Alignment(stx[1], stx[2], Alignment.Source.STATX_DIOALIGN), f.alignment());
            }
            else
            {
                assertTrue(f.alignment().source() == Alignment.Source.BLOCK_DEVICE ||
                    f.alignment().source() == Alignment.Source.FS_BLOCK_SIZE, f.alignment().toString());
            }
            assertEquals(f.alignment().offsetAlignment(), f.offsetAlignment());
            assertEquals(f.alignment().memoryAlignment(), f.memoryAlignment());
        }
    }

    @Test
    void shouldDiscoverAlignmentMatchingStatxOnExt4() throws IOException
    {
        final Path file = ext4.resolve("a");
        assertAlignmentMatchesStatx(file);
        try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED))
        {
            assertEquals("ext4", f.fileSystem().name());
            // This machine's fact: ext4 on a virtio disk with 512-byte logical blocks, Linux 6.18.
            assertEquals(new Alignment(512, 512, Alignment.Source.STATX_DIOALIGN), f.alignment());
        }
    }

    @Test
    void shouldDiscoverAlignmentMatchingStatxOnTmpfs() throws IOException
    {
        final Path file = tmpfs.resolve("a");
        assertAlignmentMatchesStatx(file);
        try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED))
        {
            assertEquals("tmpfs", f.fileSystem().name());
        }
    }

    @Test
    void shouldFallBackFromStatxToBlockDeviceToFileSystemBlockSize()
    {
        final AlignmentDiscovery.Statx dio = new AlignmentDiscovery.Statx(true, 0, 0x2fff, 4096, 254, 0, 4, 512);
        assertEquals(new Alignment(4, 512, Alignment.Source.STATX_DIOALIGN), AlignmentDiscovery.choose(dio, 4096, 4096));
        final AlignmentDiscovery.Statx noDioBit = new AlignmentDiscovery.Statx(true, 0, 0x7ff, 4096, 254, 0, 0, 0);
        assertEquals(new Alignment(512, 512, Alignment.Source.BLOCK_DEVICE), AlignmentDiscovery.choose(noDioBit, 512, 4096));
        final AlignmentDiscovery.Statx zeros = new AlignmentDiscovery.Statx(true, 0, 0x2fff, 4096, 0, 40, 0, 0);
        assertEquals(new Alignment(4096, 4096, Alignment.Source.FS_BLOCK_SIZE), AlignmentDiscovery.choose(zeros, 0, 4096));
        final AlignmentDiscovery.Statx enosys = new AlignmentDiscovery.Statx(false, Errno.ENOSYS, 0, 0, 0, 0, 0, 0);
        assertEquals(new Alignment(4096, 4096, Alignment.Source.FS_BLOCK_SIZE), AlignmentDiscovery.choose(enosys, 0, 1000));
    }

    @Test
    void shouldReadTheLogicalBlockSizeOfThisMachinesDisk()
    {
        // /dev/vda is 254:0 here; any other machine answers its own size or 0.
        final int size = AlignmentDiscovery.logicalBlockSize(254, 0);
        assertTrue(size == 0 || Integer.bitCount(size) == 1, "size=" + size);
        assertEquals(0, AlignmentDiscovery.logicalBlockSize(0, 23));
    }

    @Test
    void shouldRefuseWhenRequiredAndTheFilesystemRefusesODirect() throws IOException
    {
        // procfs really refuses O_DIRECT on this kernel (open returns EINVAL).
        final IOException e = assertThrows(IOException.class,
            () -> DirectFile.open(Paths.get("/proc/self/status"), EnumSet.of(READ), DirectIoPolicy.REQUIRED));
        assertEquals("filesystem refuses O_DIRECT: path=/proc/self/status filesystem=proc errno=EINVAL policy=REQUIRED",
            e.getMessage());
    }

    @Test
    void shouldFallBackToBufferedWhenOptionalAndTheFilesystemRefusesODirect() throws IOException
    {
        try (DirectFile f = DirectFile.open(Paths.get("/proc/self/status"), EnumSet.of(READ), DirectIoPolicy.OPTIONAL))
        {
            assertFalse(f.direct());
            assertEquals(Alignment.NONE, f.alignment());
            assertEquals(1, f.offsetAlignment());
            assertEquals("filesystem refuses O_DIRECT: path=/proc/self/status filesystem=proc errno=EINVAL",
                f.fallbackReason());
            final ByteBuffer b = ByteBuffer.allocateDirect(100);
            assertTrue(f.read(b, 3, 50, 1) > 0);
        }
    }

    @Test
    void shouldRefuseAndLeaveNoFileWhenRequiredOnASimulatedRefusingFilesystem() throws IOException
    {
        final Path file = ext4.resolve("refused");
        final IOException e = assertThrows(IOException.class,
            () -> DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED, REFUSES_O_DIRECT));
        assertEquals("filesystem refuses O_DIRECT: path=" + file + " filesystem=ext4 errno=EINVAL policy=REQUIRED",
            e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void shouldOpenBufferedWithReasonWhenOptionalOnASimulatedRefusingFilesystem() throws IOException
    {
        final Path file = tmpfs.resolve("fallback");
        try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.OPTIONAL, REFUSES_O_DIRECT))
        {
            assertFalse(f.direct());
            assertTrue(f.created());
            assertEquals("filesystem refuses O_DIRECT: path=" + file + " filesystem=tmpfs errno=EINVAL",
                f.fallbackReason());
            final ByteBuffer b = ByteBuffer.allocateDirect(16);
            b.put(0, (byte)7);
            assertEquals(3, f.write(b, 0, 3, 5)); // unaligned is fine on a buffered file
        }
    }

    @Test
    void shouldOpenBufferedWhenDisabled() throws IOException
    {
        try (DirectFile f = DirectFile.open(ext4.resolve("b"), RW_CREATE, DirectIoPolicy.DISABLED))
        {
            assertFalse(f.direct());
            assertNull(f.fallbackReason());
            assertEquals(Alignment.NONE, f.alignment());
            assertEquals(0, f.flags() & Arch.O_DIRECT);
        }
    }

    @Test
    void shouldOpenWithODirectAndCloexecWhenRequired() throws IOException
    {
        try (DirectFile f = DirectFile.open(ext4.resolve("c"), RW_CREATE, DirectIoPolicy.REQUIRED))
        {
            assertEquals(Arch.O_DIRECT | Arch.O_CLOEXEC, f.flags() & (Arch.O_DIRECT | Arch.O_CLOEXEC));
            assertNull(f.fallbackReason());
            // /proc/self/fdinfo shows the flags the kernel holds, in octal.
            final String fdinfo = Files.readString(Paths.get("/proc/self/fdinfo/" + f.fd()));
            final String flagsLine = fdinfo.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
            final int kernelFlags = Integer.parseInt(flagsLine.substring(6).trim(), 8);
            assertEquals(Arch.O_DIRECT | Arch.O_CLOEXEC, kernelFlags & (Arch.O_DIRECT | Arch.O_CLOEXEC));
        }
    }

    @Test
    void shouldRejectEachMisalignmentWithItsMessage() throws IOException
    {
        try (DirectFile f = DirectFile.open(ext4.resolve("m"), RW_CREATE, DirectIoPolicy.REQUIRED);
             AlignedBufferPool pool = new AlignedBufferPool(1, 8192, f.memoryAlignment(), AlignedBufferPool.Mode.FAST))
        {
            final int a = f.offsetAlignment();
            final ByteBuffer buffer = pool.acquire();
            assertEquals("offset not aligned: offset=" + (a * 8 + 1) + " alignment=" + a,
                assertThrows(IllegalArgumentException.class, () -> f.write(buffer, 0, a, a * 8 + 1)).getMessage());
            assertEquals("length not aligned: length=" + (a + 1) + " alignment=" + a,
                assertThrows(IllegalArgumentException.class, () -> f.read(buffer, 0, a + 1, 0)).getMessage());
            final String m = assertThrows(IllegalArgumentException.class, () -> f.write(buffer, 1, a, 0)).getMessage();
            assertTrue(m.startsWith("buffer address not aligned: address=0x"), m);
            assertTrue(m.endsWith(" bufferPosition=1 misalignment=1 alignment=" + f.memoryAlignment()), m);
            assertEquals("buffer not direct: O_DIRECT needs native memory: buffer=java.nio.HeapByteBuffer[pos=0 lim=4096 cap=4096]",
                assertThrows(IllegalArgumentException.class,
                    () -> f.write(ByteBuffer.allocate(4096), 0, 4096, 0)).getMessage());
            assertEquals("offset negative: offset=-512",
                assertThrows(IllegalArgumentException.class, () -> f.checkAlignment(-512, a, buffer, 0)).getMessage());
            assertEquals(0, f.size(), "nothing reached the file");
            pool.release(buffer);
        }
    }

    @Test
    void shouldRoundTripAlignedPagesThroughTheBlockingPathOnExt4AndTmpfs() throws IOException
    {
        for (final Path dir : new Path[] {ext4, tmpfs})
        {
            final Path file = dir.resolve("rt");
            try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED);
                 AlignedBufferPool pool = new AlignedBufferPool(2, 4096, f.memoryAlignment(), AlignedBufferPool.Mode.CHECKED))
            {
                final ByteBuffer out = pool.acquire();
                for (int i = 0; i < 4096; i++)
                {
                    out.put(i, (byte)(i * 31));
                }
                assertEquals(4096, f.write(out, 0, 4096, 8192));
                final ByteBuffer in = pool.acquire();
                assertEquals(4096, f.read(in, 0, 4096, 8192));
                assertEquals(0, in.compareTo(out));
                assertEquals(12288, f.size());
                pool.release(in);
                pool.release(out);
            }
        }
    }

    @Test
    void shouldPreallocateWithFallocateOnExt4AndTmpfs() throws IOException
    {
        for (final Path dir : new Path[] {ext4, tmpfs})
        {
            try (DirectFile f = DirectFile.open(dir.resolve("p"), RW_CREATE, DirectIoPolicy.REQUIRED))
            {
                assertEquals(DirectFile.Preallocation.FALLOCATE, f.preallocate(0, 1 << 20));
                assertEquals(1 << 20, f.size());
                assertTrue(Files.readAttributes(f.path(), "unix:*").get("size").equals(1L << 20));
                f.truncate(4096);
                assertEquals(4096, f.size());
                f.truncate(1 << 16);
                assertEquals(1 << 16, f.size());
            }
        }
    }

    @Test
    void shouldZeroFillPastEndOfFileWhenTheFilesystemRefusesFallocate() throws IOException
    {
        final Path file = ext4.resolve("z");
        try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED, NO_FALLOCATE);
             AlignedBufferPool pool = new AlignedBufferPool(1, 4096, f.memoryAlignment(), AlignedBufferPool.Mode.FAST))
        {
            final ByteBuffer page = pool.acquire();
            for (int i = 0; i < 4096; i++)
            {
                page.put(i, (byte)0x5A);
            }
            f.write(page, 0, 4096, 0);
            assertEquals(DirectFile.Preallocation.ZERO_FILL, f.preallocate(0, 600 * 1024));
            assertEquals(600 * 1024, f.size());
            final byte[] bytes = Files.readAllBytes(file);
            assertEquals(0x5A, bytes[4095], "existing data kept");
            final byte[] zeros = new byte[bytes.length - 4096];
            assertArrayEquals(zeros, java.util.Arrays.copyOfRange(bytes, 4096, bytes.length));
            // Blocks really written (not a hole): st_blocks counts 512-byte units.
            assertTrue(TestFiles.statxDioAlign(file)[4] >= 600 * 1024 / 512, "blocks allocated");
            pool.release(page);
        }
        assertEquals("preallocation range not aligned: offset=1 length=4096 alignment=512",
            assertThrows(IllegalArgumentException.class, () ->
            {
                try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED))
                {
                    f.preallocate(1, 4096);
                }
            }).getMessage());
    }

    @Test
    void shouldMarkCreatedOnlyWhenThisOpenCreatedTheFile() throws IOException
    {
        final Path file = ext4.resolve("new");
        try (DirectFile f = DirectFile.open(file, EnumSet.of(READ, WRITE, CREATE_NEW), DirectIoPolicy.REQUIRED))
        {
            assertTrue(f.created());
        }
        try (DirectFile f = DirectFile.open(file, RW_CREATE, DirectIoPolicy.REQUIRED))
        {
            assertFalse(f.created());
        }
        DirectFile.syncDirectory(ext4);
        assertEquals("open directory failed: path=" + ext4.resolve("missing") + " errno=ENOENT",
            assertThrows(IOException.class, () -> DirectFile.syncDirectory(ext4.resolve("missing"))).getMessage());
    }

    @Test
    void shouldNameThePathAndErrnoWhenOpenFails()
    {
        final Path missing = ext4.resolve("missing");
        final IOException e = assertThrows(IOException.class,
            () -> DirectFile.open(missing, EnumSet.of(READ), DirectIoPolicy.REQUIRED));
        assertTrue(e.getMessage().startsWith("open failed: path=" + missing + " errno=ENOENT flags=0"), e.getMessage());
    }

    @Test
    void shouldLeaveNoDescriptorAfterClose() throws IOException
    {
        final long before = TestFiles.openDescriptors();
        for (int i = 0; i < 20; i++)
        {
            try (DirectFile f = DirectFile.open(ext4.resolve("fd" + i), RW_CREATE, DirectIoPolicy.REQUIRED))
            {
                assertTrue(f.fd() >= 0);
            }
            try (DirectFile f = DirectFile.open(Paths.get("/proc/self/status"), EnumSet.of(READ), DirectIoPolicy.OPTIONAL))
            {
                assertFalse(f.direct());
            }
            assertThrows(IOException.class,
                () -> DirectFile.open(Paths.get("/proc/self/status"), EnumSet.of(READ), DirectIoPolicy.REQUIRED));
        }
        assertEquals(before, TestFiles.openDescriptors());
    }
}
