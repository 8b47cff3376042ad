package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.pageio.linux.uring.UringTestSupport.*;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.*;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UringBackendTest
{
    private static final EnumSet<java.nio.file.StandardOpenOption> RW = EnumSet.of(READ, WRITE, CREATE);

    @AfterAll
    static void cleanUp() throws Exception
    {
        deleteDir(EXT4_DIR);
        deleteDir(TMPFS_DIR);
    }

    /**
     * Backends with the kernel's default task-run flags: completions appear in the CQ with no enter at all, which
     * the enter-count tests here show. Rings default to COOP_TASKRUN (see {@link #shouldReapCoopCompletions}).
     */
    private static UringBackend open(final int queueDepth) throws Exception
    {
        return UringBackend.open(RingConfig.builder().queueDepth(queueDepth).maxSegments(8).coopTaskRun(false)
            .deferTaskRun(false).build());
    }

    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Timeout(60)
    void shouldReapCoopCompletionsByEnteringOnlyWhenTheKernelFlagsTaskWork() throws Exception
    {
        shouldReapCoopCompletions();
    }

    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Timeout(60)
    void shouldRunADeferTaskRunRingFromTheThreadThatFirstUsesIt() throws Exception
    {
        // DEDICATED rings default to SINGLE_ISSUER | DEFER_TASKRUN: the ring starts disabled and the first thread
        // to use the backend (here this one; in a ring, its agent) enables it and is its only issuer.
        try (UringBackend backend = UringBackend.open(RingConfig.builder().queueDepth(32).maxSegments(8).build());
             FdFileAccess f = FdFileAccess.open(TMPFS_DIR.resolve("defer"),
                 java.util.EnumSet.of(java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE,
                     java.nio.file.StandardOpenOption.CREATE), dev.pageio.linux.Arch.O_DIRECT))
        {
            assertTrue(backend.deferTaskRun(), "DEFER_TASKRUN accepted by this kernel (6.1+)");
            final RecordingSink sink = new RecordingSink(32);
            final ByteBuffer data = aligned(32 * 4096, 4096);
            fill(data, 9);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, data, 0, 32 * 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 1);
            for (int i = 0; i < 32; i++)
            {
                assertTrue(backend.prepare(single(i, RequestOp.READ, f, i * 4096L, data, i * 4096, 4096)));
            }
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 33);
            // another thread may wake it, but not drive it
            final Thread other = new Thread(backend::wakeup);
            other.start();
            other.join();
            backend.await(1_000_000L);
        }
    }

    private void shouldReapCoopCompletions() throws Exception
    {
        final int depth = 32;
        try (UringBackend backend = UringBackend.open(RingConfig.builder().queueDepth(depth).maxSegments(8)
                 .deferTaskRun(false).build());
             FdFileAccess f = FdFileAccess.open(TMPFS_DIR.resolve("coop"),
                 java.util.EnumSet.of(java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE,
                     java.nio.file.StandardOpenOption.CREATE), dev.pageio.linux.Arch.O_DIRECT))
        {
            assertTrue(backend.coopTaskRun(), "COOP_TASKRUN | TASKRUN_FLAG are on by default on this kernel (5.19+)");
            final RecordingSink sink = new RecordingSink(depth);
            final ByteBuffer data = aligned(depth * 4096, 4096);
            fill(data, 5);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, data, 0, depth * 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 1);
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < depth; i++)
                {
                    assertTrue(backend.prepare(single(i, RequestOp.READ, f, i * 4096L, data, i * 4096, 4096)));
                }
                final int before = sink.completions;
                final long entersBefore = backend.enterCalls();
                backend.submit();
                reapUntil(backend, sink, () -> sink.completions - before == depth);
                // one enter to submit; the rest only while the kernel flagged pending task work
                assertTrue(backend.enterCalls() - entersBefore <= 1 + depth,
                    "enters=" + (backend.enterCalls() - entersBefore));
            }
        }
    }

    private static Path dir(final String fs)
    {
        return fs.equals("tmpfs") ? TMPFS_DIR : EXT4_DIR;
    }

    @Test
    void shouldBeAvailableAndFoundByServiceLoaderOnThisKernel()
    {
        final UringEngine engine = new UringEngine();
        assertNull(engine.unavailableCause(), "io_uring should be usable on this machine");
        assertEquals("io_uring", engine.name());
        assertEquals(300, engine.priority());
        boolean found = false;
        for (final IoEngine e : ServiceLoader.load(IoEngine.class))
        {
            found |= e instanceof UringEngine;
        }
        assertTrue(found, "UringEngine listed in META-INF/services");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4-buffered", "ext4-direct", "tmpfs-buffered", "tmpfs-direct"})
    void shouldWriteAndReadBackWhenSingleAndVectored(final String mode) throws Exception
    {
        final boolean direct = mode.endsWith("direct");
        final Path file = tempFile(dir(mode.substring(0, mode.indexOf('-'))), "rw");
        try (UringBackend backend = open(8);
            FdFileAccess f = FdFileAccess.open(file, RW, direct ? Arch.O_DIRECT : 0))
        {
            final RecordingSink sink = new RecordingSink(8);
            final ByteBuffer out = aligned(8192, 4096);
            fill(out, 7);
            final ByteBuffer outA = aligned(4096, 4096);
            final ByteBuffer outB = aligned(4096, 4096);
            fill(outA, 11);
            fill(outB, 13);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, out, 0, 8192)));
            assertTrue(backend.prepare(vectored(1, RequestOp.WRITEV, f, 8192, outA, outB)));
            assertEquals(2, backend.inFlight());
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 2);
            assertEquals(8192, sink.results[0]);
            assertEquals(8192, sink.results[1]);

            assertTrue(backend.prepare(sync(2, RequestOp.FDATASYNC, f)));
            assertTrue(backend.prepare(sync(3, RequestOp.FSYNC, f)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 4);
            assertEquals(0, sink.results[2]);
            assertEquals(0, sink.results[3]);

            final ByteBuffer in = aligned(16384, 4096);
            final ByteBuffer inA = aligned(4096, 4096);
            final ByteBuffer inB = aligned(12288, 4096);
            assertTrue(backend.prepare(single(4, RequestOp.READ, f, 0, in, 0, 16384)));
            assertTrue(backend.prepare(vectored(5, RequestOp.READV, f, 4096, inA, inB)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 6);
            assertEquals(16384, sink.results[4]);
            assertEquals(12288, sink.results[5], "READV is short at end of file: 16384 - 4096");
            assertEquals(out, in.slice(0, 8192));
            assertEquals(outA, in.slice(8192, 4096));
            assertEquals(outB, in.slice(12288, 4096));
            assertEquals(out.slice(4096, 4096), inA);
            assertEquals(0, backend.inFlight());
            assertEquals(0, backend.unknownCompletions());
        }
    }

    @Test
    void shouldCompleteWithErrnoAsDataWhenTheKernelRefuses() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "errno");
        try (UringBackend backend = open(4); FdFileAccess f = FdFileAccess.open(file, RW, Arch.O_DIRECT))
        {
            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer misaligned = aligned(8192, 4096);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, misaligned, 1, 4096)));
            final Request badFd = single(1, RequestOp.READ, f, 0, misaligned, 0, 4096);
            badFd.fd = 1_000_000;
            assertTrue(backend.prepare(badFd));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 2);
            assertEquals(-Errno.EINVAL, sink.results[0], "O_DIRECT with a misaligned address");
            assertEquals(-Errno.EBADF, sink.results[1]);
        }
    }

    @Test
    void shouldCompleteBadRequestsWithEinvalWithoutWritingAnySqe() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "bad");
        try (UringBackend backend = open(8); FdFileAccess f = FdFileAccess.open(file, RW, 0))
        {
            final RecordingSink sink = new RecordingSink(8);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            assertTrue(backend.prepare(single(0, RequestOp.READ, f, -1, buffer, 0, 4096)), "negative offset");
            assertTrue(backend.prepare(single(1, RequestOp.READ, f, 0, buffer, 1, 4096)), "past the capacity");
            assertTrue(backend.prepare(single(2, RequestOp.READ, f, 0, buffer, -1, 16)), "negative position");
            assertTrue(backend.prepare(single(3, RequestOp.READ, f, 0, ByteBuffer.allocate(4096), 0, 4096)), "heap");
            assertTrue(backend.prepare(single(4, RequestOp.READ, f, 0, buffer.asReadOnlyBuffer(), 0, 4096)), "read-only");
            final Request segments = vectored(5, RequestOp.READV, f, 0, buffer);
            segments.segmentLengths[0] = 8192;
            assertTrue(backend.prepare(segments), "segment past its buffer");
            final Request wrongBuffer = vectored(6, RequestOp.READV, f, 0, buffer);
            wrongBuffer.segmentBuffers[0] = 3;
            assertTrue(backend.prepare(wrongBuffer), "segment buffer index out of range");
            assertEquals(7, backend.inFlight(), "each waits for the next reap");
            assertThrows(IllegalArgumentException.class,
                () -> backend.prepare(single(8, RequestOp.READ, f, 0, buffer, 0, 16)), "an index outside the ring is the ring's bug");
            assertEquals(0, backend.submit(), "nothing reaches the kernel");
            assertEquals(7, backend.reap(sink));
            for (int i = 0; i < 7; i++)
            {
                assertEquals(-Errno.EINVAL, sink.results[i], "request " + i);
            }
            assertEquals(0, backend.inFlight());
            assertEquals(0, backend.enterCalls());
        }
    }

    @Test
    void shouldRefuseMoreThanQueueDepthAndAcceptAgainAfterReaping() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "full");
        try (UringBackend backend = open(4); FdFileAccess f = FdFileAccess.open(file, RW, 0))
        {
            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            for (int i = 0; i < 4; i++)
            {
                assertTrue(backend.prepare(single(i, RequestOp.WRITE, f, i * 1024L, buffer, i * 1024, 1024)));
            }
            final Request extra = new Request(0, 1);
            assertThrows(IllegalStateException.class, () -> backend.prepare(single(0, RequestOp.WRITE, f, 0, buffer, 0, 1)),
                "slot 0 is already in the ring");
            assertNotNull(extra);
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 4);
            assertTrue(backend.prepare(single(0, RequestOp.READ, f, 0, buffer, 0, 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 5);
            assertEquals(4096, sink.results[0]);
        }
    }

    @Test
    void shouldReapCompletionsWithoutEnteringTheKernelWhileTheyArrive() throws Exception
    {
        final int depth = 64;
        final Path file = tempFile(EXT4_DIR, "enters");
        try (UringBackend backend = open(depth); FdFileAccess f = FdFileAccess.open(file, RW, Arch.O_DIRECT))
        {
            final RecordingSink sink = new RecordingSink(depth);
            final ByteBuffer data = aligned(depth * 4096, 4096);
            fill(data, 3);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, data, 0, depth * 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 1);

            int reapsWithCompletions = 0;
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < depth; i++)
                {
                    assertTrue(backend.prepare(single(i, RequestOp.READ, f, i * 4096L, data, i * 4096, 4096)));
                }
                final int before = sink.completions;
                final long entersBefore = backend.enterCalls();
                backend.submit();
                final long deadline = System.nanoTime() + 10_000_000_000L;
                while (sink.completions - before < depth)
                {
                    assertTrue(System.nanoTime() - deadline < 0, "completions stopped arriving");
                    if (backend.reap(sink) > 0)
                    {
                        reapsWithCompletions++;
                    }
                }
                assertEquals(entersBefore + 1, backend.enterCalls(), "one enter to submit, none to reap");
            }
            System.out.println("enter-count test: 20 rounds x 64 O_DIRECT reads, 20 enters, reaps that found " +
                "completions=" + reapsWithCompletions);
        }
    }

    @Test
    void shouldReapATrickleOfCompletionsWithNoEnterAfterTheSubmit() throws Exception
    {
        final int depth = 64;
        final ByteBuffer fds = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(0, Linux.pipe2(Linux.address(fds), Arch.O_CLOEXEC));
        final int readFd = fds.getInt(0);
        final int writeFd = fds.getInt(4);
        try (UringBackend backend = open(depth))
        {
            final RecordingSink sink = new RecordingSink(depth);
            for (int i = 0; i < depth; i++)
            {
                assertTrue(backend.prepare(pipeRead(i, readFd, ByteBuffer.allocateDirect(1))));
            }
            backend.submit();
            final long enters = backend.enterCalls();
            // another thread completes the reads one by one, about a millisecond apart
            final Thread writer = new Thread(() ->
            {
                final ByteBuffer one = ByteBuffer.allocateDirect(1);
                for (int i = 0; i < depth; i++)
                {
                    Linux.write(writeFd, Linux.address(one), 1);
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                }
            });
            writer.start();
            int reapsWithCompletions = 0;
            final long deadline = System.nanoTime() + 10_000_000_000L;
            while (sink.completions < depth)
            {
                assertTrue(System.nanoTime() - deadline < 0, "completions stopped arriving: " + sink.completions);
                if (backend.reap(sink) > 0)
                {
                    reapsWithCompletions++;
                }
            }
            writer.join();
            assertEquals(enters, backend.enterCalls(), "no io_uring_enter while completions kept arriving");
            assertTrue(reapsWithCompletions >= 8, "completions arrived over many reaps: " + reapsWithCompletions);
            System.out.println("trickle test: 64 pipe reads completed by another thread, 0 enters while reaping, " +
                "reaps that found completions=" + reapsWithCompletions);
        }
        finally
        {
            Linux.close(readFd);
            Linux.close(writeFd);
        }
    }

    @Test
    void shouldSignalTheRegisteredEventFdWhenCompletionsArePosted() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "eventfd");
        try (UringBackend backend = open(4); FdFileAccess f = FdFileAccess.open(file, RW, 0))
        {
            final int efd = backend.completionEventFd();
            assertEquals(efd, backend.completionEventFd(), "created once");
            final ByteBuffer counter = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
            assertEquals(-Errno.EAGAIN, Linux.read(efd, Linux.address(counter), 8), "nothing completed yet");
            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, buffer, 0, 4096)));
            backend.submit();
            final long deadline = System.nanoTime() + 10_000_000_000L;
            long n;
            while ((n = Linux.read(efd, Linux.address(counter), 8)) == -Errno.EAGAIN)
            {
                assertTrue(System.nanoTime() - deadline < 0, "eventfd never became readable");
                Thread.onSpinWait();
            }
            assertEquals(8, n);
            assertTrue(counter.getLong(0) >= 1);
            reapUntil(backend, sink, () -> sink.completions == 1);
            assertEquals(4096, sink.results[0]);
        }
    }

    @Test
    void shouldUseRegisteredBuffersAndFilesWhenTheRangeLiesInside() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "fixed");
        try (UringBackend backend = open(8); FdFileAccess f = FdFileAccess.open(file, RW, Arch.O_DIRECT))
        {
            final ByteBuffer pool = aligned(4 * 4096, 4096);
            final ByteBuffer other = aligned(4096, 4096);
            assertEquals(0, backend.registerBuffers(other, pool));
            assertEquals(0, backend.registerFiles(f));
            final RecordingSink sink = new RecordingSink(8);
            fill(pool, 5);
            final ByteBuffer expected = aligned(4 * 4096, 4096);
            expected.put(0, pool, 0, 4 * 4096);
            assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, pool, 0, 4 * 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 1);
            assertEquals(4 * 4096, sink.results[0]);
            for (int i = 0; i < pool.capacity(); i++)
            {
                pool.put(i, (byte)0);
            }
            // a slice inside the registered range is found too; 'outside' is not registered and still works
            final ByteBuffer slice = pool.slice(4096, 8192);
            final ByteBuffer outside = aligned(4096, 4096);
            assertTrue(backend.prepare(single(1, RequestOp.READ, f, 4096, slice, 0, 8192)));
            assertTrue(backend.prepare(single(2, RequestOp.READ, f, 0, outside, 0, 4096)));
            assertTrue(backend.prepare(single(3, RequestOp.READ, f, 12288, other, 0, 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 4);
            assertEquals(8192, sink.results[1]);
            assertEquals(4096, sink.results[2]);
            assertEquals(4096, sink.results[3]);
            assertEquals(expected.slice(4096, 8192), slice);
            assertEquals(expected.slice(0, 4096), outside);
            assertEquals(expected.slice(12288, 4096), other);
            assertEquals(3, backend.fixedBufferOps(), "write + slice read + other read used *_FIXED");
            assertEquals(4, backend.fixedFileOps());
            assertEquals(0, backend.unregisterBuffers());
            assertEquals(0, backend.unregisterFiles());
            assertTrue(backend.prepare(single(0, RequestOp.READ, f, 0, pool, 0, 4096)));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 5);
            assertEquals(4096, sink.results[0]);
            assertEquals(3, backend.fixedBufferOps());
        }
    }

    @Test
    void shouldCancelAPendingPipeReadAndReportAlreadyDoneForACompletedOne() throws Exception
    {
        final ByteBuffer fds = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(0, Linux.pipe2(Linux.address(fds), Arch.O_CLOEXEC));
        final int readFd = fds.getInt(0);
        final int writeFd = fds.getInt(4);
        try (UringBackend backend = open(4))
        {
            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(64);
            final Request pending = pipeRead(0, readFd, buffer);
            assertTrue(backend.prepare(pending));
            backend.submit();
            backend.reap(sink);
            assertEquals(0, sink.completions, "nothing written to the pipe yet");
            backend.cancel(pending);
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 1 && sink.cancelAnswers == 1);
            assertEquals(0, sink.cancelResults[0], "canceled");
            assertEquals(-Errno.ECANCELED, sink.results[0]);

            final Request done = pipeRead(1, readFd, buffer);
            assertTrue(backend.prepare(done));
            backend.submit();
            assertEquals(3, Linux.write(writeFd, Linux.address(buffer), 3));
            reapUntil(backend, sink, () -> sink.completions == 2);
            assertEquals(3, sink.results[1]);
            backend.cancel(done);
            backend.submit();
            reapUntil(backend, sink, () -> sink.cancelAnswers == 2);
            assertEquals(-Errno.ENOENT, sink.cancelResults[1], "already done");
            assertEquals(0, backend.unknownCompletions());
        }
        finally
        {
            Linux.close(readFd);
            Linux.close(writeFd);
        }
    }

    private static Request pipeRead(final int index, final int fd, final ByteBuffer buffer)
    {
        final Request r = new Request(index, 1);
        r.op = RequestOp.READ;
        r.fd = fd;
        r.fileOffset = 0; // a pipe ignores the offset (io_uring passes it; pipes are not seekable)
        r.buffer = buffer;
        r.bufferPosition = 0;
        r.length = buffer.capacity();
        return r;
    }

    @Test
    void shouldLoseNoCompletionWhenTheCompletionQueueOverflows() throws Exception
    {
        final ByteBuffer fds = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(0, Linux.pipe2(Linux.address(fds), Arch.O_CLOEXEC));
        final int readFd = fds.getInt(0);
        final int writeFd = fds.getInt(4);
        try (UringBackend backend = open(4))
        {
            final RecordingSink sink = new RecordingSink(4);
            for (int i = 0; i < 4; i++)
            {
                assertTrue(backend.prepare(pipeRead(i, readFd, ByteBuffer.allocateDirect(1))));
            }
            backend.submit();
            // fill the CQ past its capacity with NOPs, without reaping
            final int cq = backend.cqEntries();
            final int nops = 4 * cq;
            for (int i = 0; i < nops; i++)
            {
                backend.prepareInternal(UringSyscalls.IORING_OP_NOP, -1, 0, 0, UringUserData.TAG_NOP);
            }
            backend.submit();
            // now the four reads complete while the CQ is full: their CQEs go to the kernel's overflow list
            final ByteBuffer four = ByteBuffer.allocateDirect(4);
            assertEquals(4, Linux.write(writeFd, Linux.address(four), 4));
            reapUntil(backend, sink, () -> sink.completions == 4 && backend.internalInFlight() == 0);
            assertEquals(nops, backend.nopCompletions(), "every NOP completion arrived: cqEntries=" + cq);
            for (int i = 0; i < 4; i++)
            {
                assertEquals(1, sink.results[i]);
            }
            assertEquals(0, backend.cqDropped());
            assertEquals(0, backend.unknownCompletions());
            System.out.println("overflow test: cqEntries=" + cq + " nops=" + nops + " enters=" + backend.enterCalls());
        }
        finally
        {
            Linux.close(readFd);
            Linux.close(writeFd);
        }
    }

    @Test
    void shouldReturnFromAwaitOnTimeoutWakeupAndCompletion() throws Exception
    {
        final ByteBuffer fds = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(0, Linux.pipe2(Linux.address(fds), Arch.O_CLOEXEC));
        final int readFd = fds.getInt(0);
        final int writeFd = fds.getInt(4);
        try (UringBackend backend = open(4))
        {
            final long t0 = System.nanoTime();
            backend.await(20_000_000L);
            assertTrue(System.nanoTime() - t0 >= 10_000_000L, "await with nothing to do waits for its timeout");

            backend.wakeup();
            backend.await(60_000_000_000L); // a wakeup before the await is not lost

            final CountDownLatch started = new CountDownLatch(1);
            final Thread waker = new Thread(() ->
            {
                started.countDown();
                try
                {
                    Thread.sleep(50);
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                backend.wakeup();
            });
            waker.start();
            started.await();
            backend.await(60_000_000_000L); // returns on the other thread's wakeup, well before the timeout
            waker.join();

            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer buffer = ByteBuffer.allocateDirect(16);
            assertTrue(backend.prepare(pipeRead(0, readFd, buffer)));
            backend.submit();
            final Thread writer = new Thread(() ->
            {
                try
                {
                    Thread.sleep(50);
                }
                catch (final InterruptedException e)
                {
                    Thread.currentThread().interrupt();
                }
                final ByteBuffer b = ByteBuffer.allocateDirect(4);
                Linux.write(writeFd, Linux.address(b), 4);
            });
            writer.start();
            while (sink.completions == 0)
            {
                backend.reap(sink);
                if (sink.completions == 0)
                {
                    backend.await(60_000_000_000L); // returns on the completion
                }
            }
            writer.join();
            assertEquals(4, sink.results[0]);
            assertTrue(backend.wakeCompletions() >= 2);
        }
        finally
        {
            Linux.close(readFd);
            Linux.close(writeFd);
        }
    }

    @Test
    void shouldCompleteOrCancelEverythingWhenClosedUnderLoadAndFreeEveryDescriptor() throws Exception
    {
        final int fdsBefore = openDescriptors();
        final ByteBuffer fds = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(0, Linux.pipe2(Linux.address(fds), Arch.O_CLOEXEC));
        final int readFd = fds.getInt(0);
        final int writeFd = fds.getInt(4);
        final Path file = tempFile(EXT4_DIR, "close");
        final RecordingSink sink = new RecordingSink(64);
        try (FdFileAccess f = FdFileAccess.open(file, RW, Arch.O_DIRECT))
        {
            final UringBackend backend = open(64);
            backend.completionEventFd();
            final ByteBuffer data = aligned(32 * 4096, 4096);
            for (int i = 0; i < 32; i++)
            {
                assertTrue(backend.prepare(single(i, RequestOp.WRITE, f, i * 4096L, data, i * 4096, 4096)));
            }
            for (int i = 32; i < 64; i++)
            {
                assertTrue(backend.prepare(pipeRead(i, readFd, ByteBuffer.allocateDirect(8))));
            }
            backend.submit();
            backend.reap(sink);
            backend.close();
            backend.close(); // idempotent
            assertEquals(64, sink.completions, "every request completed to the last sink before the unmap");
            for (int i = 32; i < 64; i++)
            {
                assertEquals(-Errno.ECANCELED, sink.results[i]);
            }
            for (int i = 0; i < 32; i++)
            {
                assertTrue(sink.results[i] == 4096 || sink.results[i] == -Errno.ECANCELED, "write " + i);
            }
            assertThrows(IllegalStateException.class, () -> backend.prepare(single(0, RequestOp.READ, f, 0, data, 0, 4096)));
            backend.wakeup(); // harmless after close
            assertEquals(0, backend.submit());
        }
        finally
        {
            Linux.close(readFd);
            Linux.close(writeFd);
        }
        assertEquals(fdsBefore, openDescriptors(), "ring fd, wake eventfd and completion eventfd closed");
    }

    @Test
    void shouldSurviveWakeupsFromManyThreadsWhileAwaitingAndClosing() throws Exception
    {
        final int fdsBefore = openDescriptors();
        final UringBackend backend = open(4);
        final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        final Thread[] wakers = new Thread[3];
        for (int t = 0; t < wakers.length; t++)
        {
            wakers[t] = new Thread(() ->
            {
                try
                {
                    while (!stop.get())
                    {
                        backend.wakeup();
                    }
                }
                catch (final Throwable e)
                {
                    failure.set(e);
                }
            });
            wakers[t].start();
        }
        final RecordingSink sink = new RecordingSink(4);
        for (int i = 0; i < 2000; i++)
        {
            backend.reap(sink);
            backend.await(10_000_000L);
        }
        assertTrue(backend.wakeCompletions() > 0);
        backend.close(); // while the wakers still write
        stop.set(true);
        for (final Thread t : wakers)
        {
            t.join();
        }
        assertNull(failure.get());
        assertEquals(fdsBefore, openDescriptors());
    }

    @Test
    void shouldWriteAndReadWithSqPoll() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "sqpoll");
        try (UringBackend backend = UringBackend.open(RingConfig.builder().queueDepth(8).sqPoll(true).build());
            FdFileAccess f = FdFileAccess.open(file, RW, 0))
        {
            assertTrue(backend.sqPoll());
            final RecordingSink sink = new RecordingSink(8);
            final ByteBuffer out = ByteBuffer.allocateDirect(4096);
            fill(out, 9);
            final ByteBuffer in = ByteBuffer.allocateDirect(4096);
            for (int round = 0; round < 3; round++)
            {
                assertTrue(backend.prepare(single(0, RequestOp.WRITE, f, 0, out, 0, 4096)));
                backend.submit();
                reapUntil(backend, sink, () -> backend.inFlight() == 0);
                assertTrue(backend.prepare(single(1, RequestOp.READ, f, 0, in, 0, 4096)));
                backend.submit();
                reapUntil(backend, sink, () -> backend.inFlight() == 0);
                assertEquals(4096, sink.results[0]);
                assertEquals(4096, sink.results[1]);
                assertEquals(out, in);
                Thread.sleep(80); // past sq_thread_idle: the kernel thread sleeps and needs a wakeup
            }
        }
    }

    @Test
    void shouldPassRwFlagsToTheKernel() throws Exception
    {
        final Path file = tempFile(EXT4_DIR, "rwflags");
        try (UringBackend backend = open(4); FdFileAccess f = FdFileAccess.open(file, RW, 0))
        {
            final RecordingSink sink = new RecordingSink(4);
            final ByteBuffer out = ByteBuffer.allocateDirect(4096);
            final Request dsync = single(0, RequestOp.WRITE, f, 0, out, 0, 4096);
            dsync.rwFlags = 0x2; // RWF_DSYNC (include/uapi/linux/fs.h)
            final Request bogus = single(1, RequestOp.WRITE, f, 4096, out, 0, 4096);
            bogus.rwFlags = 0x40000000; // no such RWF_ flag
            assertTrue(backend.prepare(dsync));
            assertTrue(backend.prepare(bogus));
            backend.submit();
            reapUntil(backend, sink, () -> sink.completions == 2);
            assertEquals(4096, sink.results[0]);
            assertEquals(-Errno.EOPNOTSUPP, sink.results[1]);
        }
    }

    private static int openDescriptors() throws Exception
    {
        try (var s = java.nio.file.Files.list(Path.of("/proc/self/fd")))
        {
            return (int)s.count();
        }
    }
}
