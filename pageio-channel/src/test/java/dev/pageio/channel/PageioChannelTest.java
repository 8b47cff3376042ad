package dev.pageio.channel;

import dev.pageio.core.spi.DirectOpenOption;
import dev.pageio.core.BarrierObserver;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What pageio's channel promises beyond (or instead of) the JDK's: force as a barrier over writes in flight, O_DIRECT
 * alignment checked at the call, heap buffers on O_DIRECT files, the default rings and pool, aio's refusal of
 * buffered files, and no allocation per I/O on its own path.
 */
class PageioChannelTest
{
    private static final Path DIR = ChannelDifferentialTest.DIR.resolveSibling("pageio");

    @BeforeAll
    static void setUp() throws Exception
    {
        Files.createDirectories(DIR);
    }

    static Stream<Subject> subjects()
    {
        return Subject.pageio().stream();
    }

    private static Path fresh(final String name) throws Exception
    {
        final Path path = DIR.resolve(name);
        Files.deleteIfExists(path);
        return path;
    }

    private static ByteBuffer pattern(final int length, final int seed, final boolean direct, final int alignment)
    {
        final ByteBuffer b = direct ?
            ByteBuffer.allocateDirect(length + 2 * alignment).alignedSlice(alignment).limit(length).slice() :
            ByteBuffer.allocate(length);
        for (int i = 0; i < length; i++)
        {
            b.put(i, (byte)(seed * 7 + i));
        }
        return b;
    }

    // --------------------------------------------------------------------------------------------- force

    /**
     * Records, on the agent, each write completion and each sync issue of one file: a force that succeeded must have
     * been preceded by a sync issued after every write accepted before the force completed.
     */
    private static final class Recorder implements BarrierObserver
    {
        final ConcurrentLinkedQueue<long[]> writes = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<long[]> syncs = new ConcurrentLinkedQueue<>();

        @Override
        public void writeCompleted(final IoFile file, final long writeSeq, final boolean ok, final long nanoTime)
        {
            writes.add(new long[] {writeSeq, nanoTime, ok ? 1 : 0});
        }

        @Override
        public void syncIssued(final IoFile file, final long covers, final boolean full, final long nanoTime)
        {
            syncs.add(new long[] {covers, nanoTime});
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldCoverWritesStillInFlightWhenForceIsCalled(final String engine) throws Exception
    {
        final Recorder recorder = new Recorder();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine(engine).name("afc-test-force")
            .barrierObserver(recorder).build()))
        {
            final Path path = fresh("force-" + engine);
            final int block = 64 * 1024;
            final int rounds = 20;
            final int writes = 32;
            try (PageioFileChannel ch = PageioFileChannel.open(ring, path, Set.of(READ, WRITE, CREATE,
                DirectOpenOption.DIRECT), null))
            {
                int inFlightAtForce = 0;
                for (int round = 0; round < rounds; round++)
                {
                    final List<Future<Integer>> pending = new ArrayList<>();
                    for (int i = 0; i < writes; i++)
                    {
                        pending.add(ch.write(pattern(block, round + i, true, 4096), (long)i * block));
                    }
                    for (final Future<Integer> f : pending)
                    {
                        inFlightAtForce += f.isDone() ? 0 : 1;
                    }
                    ch.force(false);
                    final long returnedNs = System.nanoTime();
                    for (final Future<Integer> f : pending)
                    {
                        assertTrue(f.isDone(), "a write accepted before force() was not complete when it returned");
                        assertEquals(block, f.get());
                    }
                    final long lastSeq = ch.ioFile().barrierSyncs() >= 0 ? maxSeq(recorder) : 0;
                    final long lastCompletionNs = recorder.writes.stream().mapToLong(w -> w[1]).max().orElseThrow();
                    final boolean covered = recorder.syncs.stream()
                        .anyMatch(s -> s[0] >= lastSeq && s[1] >= lastCompletionNs && s[1] <= returnedNs);
                    assertTrue(covered, "no sync issued after the last covered write completed: round=" + round +
                        " lastSeq=" + lastSeq);
                }
                System.out.println("force covers writes in flight: engine=" + engine + " writes in flight at force=" +
                    inFlightAtForce + "/" + rounds * writes);
            }
        }
    }

    private static long maxSeq(final Recorder recorder)
    {
        return recorder.writes.stream().mapToLong(w -> w[0]).max().orElse(0);
    }

    @Test
    @Timeout(60)
    void shouldPoisonForceAfterAFailedWriteAsTheBarrierDoes() throws Exception
    {
        // a real failure from the kernel: a write beyond ext4's largest file size (16 TiB with 4 KiB blocks): EFBIG
        final Path path = fresh("poison");
        try (PageioFileChannel ch = PageioFileChannel.open(Subject.ring("io_uring"), path, READ, WRITE, CREATE))
        {
            final Future<Integer> bad = ch.write(ByteBuffer.allocateDirect(4096), 1L << 50);
            final var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertInstanceOf(java.io.IOException.class, e.getCause());
            assertThrows(java.io.IOException.class, () -> ch.force(false));
            assertEquals(4096, ch.write(ByteBuffer.allocateDirect(4096), 0).get(30, TimeUnit.SECONDS));
            assertThrows(java.io.IOException.class, () -> ch.force(true), "poison is sticky");
            assertThrows(java.io.IOException.class, ch::close, "close is a barrier: it reports the poison");
        }
    }

    // -------------------------------------------------------------------------------------------- O_DIRECT

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldCheckODirectAlignmentAtTheCallAndCopyHeapBuffers(final Subject subject) throws Exception
    {
        if (!subject.direct())
        {
            return; // the buffered half of the parameter set has no alignment to check
        }
        final Path path = fresh("direct-" + subject.engine());
        try (PageioFileChannel ch = (PageioFileChannel)subject.open(path, null, READ, WRITE, CREATE))
        {
            final int a = ch.alignment();
            assertEquals(Files.getFileStore(DIR).getBlockSize(), a, "alignment is the file store's block size");
            final ByteBuffer ok = pattern(2 * a, 1, true, a);
            final IllegalArgumentException position =
                assertThrows(IllegalArgumentException.class, () -> ch.write(ok, 100));
            assertTrue(position.getMessage().contains("position=100") &&
                position.getMessage().contains("alignment=" + a), position.getMessage());
            final IllegalArgumentException length =
                assertThrows(IllegalArgumentException.class, () -> ch.read(pattern(a + 1, 1, true, a), 0));
            assertTrue(length.getMessage().contains("length=" + (a + 1)) &&
                length.getMessage().contains("alignment=" + a), length.getMessage());
            // heap buffers and misaligned direct buffers are copied through aligned ones
            final ByteBuffer heap = pattern(3 * a, 5, false, a);
            assertEquals(3 * a, ch.write(heap, 0).get(30, TimeUnit.SECONDS));
            assertEquals(3 * a, heap.position());
            final ByteBuffer misaligned = ByteBuffer.allocateDirect(4 * a + 64).alignedSlice(a).position(8)
                .limit(8 + 2 * a);
            assertEquals(2 * a, ch.read(misaligned, a).get(30, TimeUnit.SECONDS));
            assertEquals(8 + 2 * a, misaligned.position());
            final ByteBuffer back = ByteBuffer.allocate(3 * a);
            assertEquals(3 * a, ch.read(back, 0).get(30, TimeUnit.SECONDS));
            assertEquals(pattern(3 * a, 5, false, a), back.flip());
            assertEquals(back.slice(a, 2 * a), misaligned.flip().position(8));
        }
    }

    @Test
    @Timeout(60)
    void shouldServeABufferedFileOnAnAioRingThroughTheThreadPath() throws Exception
    {
        final Path path = fresh("aio-buffered");
        try (PageioFileChannel ch = PageioFileChannel.open(Subject.ring("aio"), path, READ, WRITE, CREATE))
        {
            assertEquals(100, ch.write(pattern(100, 3, false, 1), 0).get(30, TimeUnit.SECONDS));
            ch.force(false);
            final ByteBuffer back = ByteBuffer.allocate(100);
            assertEquals(100, ch.read(back, 0).get(30, TimeUnit.SECONDS));
            assertEquals(pattern(100, 3, false, 1), back.flip());
        }
    }

    // ------------------------------------------------------------------------------------ defaults, handlers

    @Test
    @Timeout(60)
    void shouldOpenOnTheDefaultRingAndRunHandlersOnTheDefaultPool() throws Exception
    {
        final Path path = fresh("default");
        try (PageioFileChannel ch = PageioFileChannel.open(path, READ, WRITE, CREATE))
        {
            final CountDownLatch done = new CountDownLatch(1);
            final String[] thread = new String[1];
            ch.write(pattern(100, 3, false, 1), 0, null, new CompletionHandler<Integer, Object>()
            {
                @Override
                public void completed(final Integer result, final Object attachment)
                {
                    thread[0] = Thread.currentThread().getName() + " daemon=" + Thread.currentThread().isDaemon();
                    done.countDown();
                }

                @Override
                public void failed(final Throwable exc, final Object attachment)
                {
                    done.countDown();
                }
            });
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals("pageio-channel-handler daemon=true", thread[0]);
            assertFalse(ch.ring().isClosed());
        }
    }

    /** A thread factory named by the system property, as the JDK's default pool loads it. */
    public static final class NamedFactory implements ThreadFactory
    {
        @Override
        public Thread newThread(final Runnable r)
        {
            final Thread t = new Thread(r, "afc-named-factory");
            t.setDaemon(true);
            return t;
        }
    }

    @Test
    @Timeout(60)
    void shouldHonourTheJdksDefaultThreadPoolProperties() throws Exception
    {
        System.setProperty(DefaultHandlerPool.THREAD_FACTORY, NamedFactory.class.getName());
        System.setProperty(DefaultHandlerPool.INITIAL_SIZE, "3");
        final ExecutorService pool;
        try
        {
            pool = DefaultHandlerPool.create();
        }
        finally
        {
            System.clearProperty(DefaultHandlerPool.THREAD_FACTORY);
            System.clearProperty(DefaultHandlerPool.INITIAL_SIZE);
        }
        try
        {
            assertEquals(3, ((ThreadPoolExecutor)pool).getPoolSize(), "initialSize threads started");
            assertEquals("afc-named-factory", pool.submit(() -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS));
        }
        finally
        {
            pool.shutdown();
        }
        System.setProperty(DefaultHandlerPool.INITIAL_SIZE, "many");
        try
        {
            assertThrows(Error.class, DefaultHandlerPool::create);
        }
        finally
        {
            System.clearProperty(DefaultHandlerPool.INITIAL_SIZE);
        }
    }

    // ----------------------------------------------------------------------------------------- allocation

    /**
     * An executor that allocates nothing per task (a preallocated array queue, one worker), so that the test
     * measures the channel's own path: JDK executors allocate a queue node per task.
     */
    private static final class ArrayExecutor extends java.util.concurrent.AbstractExecutorService
    {
        final org.jctools.queues.MpscArrayQueue<Runnable> tasks = new org.jctools.queues.MpscArrayQueue<>(1024);
        final Thread worker;
        volatile boolean stop;

        ArrayExecutor()
        {
            worker = new Thread(() ->
            {
                while (!stop)
                {
                    final Runnable r = tasks.poll();
                    if (r != null)
                    {
                        r.run();
                    }
                    else
                    {
                        java.util.concurrent.locks.LockSupport.parkNanos(1000);
                    }
                }
            }, "afc-array-executor");
            worker.setDaemon(true);
            worker.start();
        }

        @Override
        public void execute(final Runnable command)
        {
            if (!tasks.offer(command))
            {
                throw new java.util.concurrent.RejectedExecutionException("full");
            }
        }

        @Override
        public void shutdown()
        {
            stop = true;
        }

        @Override
        public List<Runnable> shutdownNow()
        {
            stop = true;
            return List.of();
        }

        @Override
        public boolean isShutdown()
        {
            return stop;
        }

        @Override
        public boolean isTerminated()
        {
            return stop && !worker.isAlive();
        }

        @Override
        public boolean awaitTermination(final long timeout, final TimeUnit unit) throws InterruptedException
        {
            worker.join(unit.toMillis(timeout));
            return !worker.isAlive();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"io_uring", "threads"})
    @Timeout(120)
    void shouldAllocateNothingPerHeapBufferIoOnceWarm(final String engine) throws Exception
    {
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final ArrayExecutor executor = new ArrayExecutor();
        final Path path = fresh("alloc-" + engine);
        try (IoRing ring = IoRing.open(RingConfig.builder().engine(engine).name("afc-alloc-" + engine).build());
             PageioFileChannel ch = PageioFileChannel.open(ring, path, Set.of(READ, WRITE, CREATE), executor))
        {
            final ByteBuffer heap = ByteBuffer.allocate(4096);
            final AtomicInteger done = new AtomicInteger();
            final CompletionHandler<Integer, ByteBuffer> handler = new CompletionHandler<>()
            {
                @Override
                public void completed(final Integer result, final ByteBuffer b)
                {
                    b.clear();
                    done.incrementAndGet();
                }

                @Override
                public void failed(final Throwable exc, final ByteBuffer b)
                {
                    done.addAndGet(1 << 20);
                }
            };
            final Thread agent = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("afc-alloc-" + engine)).findFirst().orElse(null);
            long[] before = null;
            final int warm = "io_uring".equals(engine) ? 15_000 : 4_000; // the thread engine is slow here (pool hand-offs)
            final int measured = 4_000;
            for (int i = 0; i < warm + measured; i++)
            {
                if (i == warm)
                {
                    before = new long[] {mx.getCurrentThreadAllocatedBytes(),
                        mx.getThreadAllocatedBytes(executor.worker.getId()),
                        agent == null ? 0 : mx.getThreadAllocatedBytes(agent.getId())};
                }
                final int expected = i + 1;
                if ((i & 1) == 0)
                {
                    ch.write(heap, (i % 64) * 4096L, heap, handler);
                }
                else
                {
                    ch.read(heap, (i % 64) * 4096L, heap, handler);
                }
                while (done.get() < expected)
                {
                    Thread.onSpinWait();
                }
            }
            final long submitter = (mx.getCurrentThreadAllocatedBytes() - before[0]) / measured;
            final long handlerThread = (mx.getThreadAllocatedBytes(executor.worker.getId()) - before[1]) / measured;
            final long agentThread = agent == null ? -1 : (mx.getThreadAllocatedBytes(agent.getId()) - before[2]) / measured;
            System.out.println("allocation per heap-buffer I/O: engine=" + engine + " submitter=" + submitter +
                " B handler=" + handlerThread + " B agent=" + agentThread + " B");
            assertEquals(0, submitter, "bytes per I/O on the submitting thread");
            assertEquals(0, handlerThread, "bytes per I/O on the handler thread");
            if ("io_uring".equals(engine))
            {
                assertEquals(0, agentThread, "bytes per I/O on the agent");
            }
        }
        finally
        {
            executor.shutdown();
        }
    }

    @Test
    @Timeout(120)
    void shouldAllocateOnlyTheFutureAndOneWaiterPerFutureIo() throws Exception
    {
        final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final Path path = fresh("alloc-future");
        try (IoRing ring = IoRing.open(RingConfig.builder().engine("io_uring").name("afc-alloc-future").build());
             PageioFileChannel ch = PageioFileChannel.open(ring, path, READ, WRITE, CREATE))
        {
            final ByteBuffer direct = ByteBuffer.allocateDirect(4096);
            final Thread agent = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("afc-alloc-future")).findFirst().orElseThrow();
            final int warm = 15_000;
            final int measured = 8_000;
            long[] before = null;
            for (int i = 0; i < warm + measured; i++)
            {
                if (i == warm)
                {
                    before = new long[] {mx.getCurrentThreadAllocatedBytes(), mx.getThreadAllocatedBytes(agent.getId())};
                }
                direct.clear();
                final long at = ((i >> 1) % 64) * 4096L; // a write, then a read of the same block
                final Future<Integer> f = (i & 1) == 0 ? ch.write(direct, at) : ch.read(direct, at);
                assertEquals(4096, f.get(30, TimeUnit.SECONDS).intValue()); // no boxing of the expected value
            }
            final long caller = (mx.getCurrentThreadAllocatedBytes() - before[0]) / measured;
            final long agentThread = (mx.getThreadAllocatedBytes(agent.getId()) - before[1]) / measured;
            System.out.println("allocation per future I/O: caller=" + caller + " B agent=" + agentThread + " B");
            // the future (32 B with compressed oops) and, when get() has to wait, one waiter node (24 B): 56 B
            // measured on JDK 17, 175 B with the CountDownLatch and AtomicInteger the future held before; 8 B of
            // slack for a one-off allocation in the window (JIT, class loading)
            assertTrue(caller <= 64, "bytes per I/O on the calling thread: " + caller);
            assertEquals(0, agentThread, "bytes per I/O on the agent");
        }
    }
}
