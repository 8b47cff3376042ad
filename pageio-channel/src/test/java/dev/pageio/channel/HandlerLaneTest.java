package dev.pageio.channel;

import dev.pageio.core.spi.DirectOpenOption;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.channels.CompletionHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The handler lane ({@link HandlerLane#dispatch(ChannelOp)}): handlers of operations that complete together run
 * in one executor task; none is lost when one throws, and a handler may wait for the handler of an operation it
 * issued itself; operations pushed while the task spins after its batch, or (holding) while it runs a handler, need
 * no other hand-off, and one that completes while a handler blocks goes to another thread (holding: through the
 * {@link LaneWatchdog}).
 */
class HandlerLaneTest
{
    private static final Path DIR = ChannelDifferentialTest.DIR.resolveSibling("lane");
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 64;

    @BeforeAll
    static void setUp() throws Exception
    {
        Files.createDirectories(DIR);
    }

    private static Path filled(final String name) throws Exception
    {
        final Path path = DIR.resolve(name);
        final byte[] bytes = new byte[BLOCK * BLOCKS];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)(i / BLOCK);
        }
        Files.write(path, bytes);
        return path;
    }

    private static ByteBuffer aligned()
    {
        return ByteBuffer.allocateDirect(2 * BLOCK).alignedSlice(BLOCK).limit(BLOCK).slice();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldRunEveryHandlerOfABurstWhenSomeThrow(final String engine) throws Exception
    {
        final ConcurrentLinkedQueue<Throwable> uncaught = new ConcurrentLinkedQueue<>();
        final ExecutorService executor = new ThreadPoolExecutor(2, 2, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            r ->
            {
                final Thread t = new Thread(r, "lane-test-handler");
                t.setDaemon(true);
                t.setUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
                return t;
            });
        final int requests = 512;
        final CountDownLatch ran = new CountDownLatch(requests);
        final AtomicInteger bytes = new AtomicInteger();
        try (IoRing ring = IoRing.open(RingConfig.builder().engine(engine).name("lane-throw-" + engine).build());
             PageioFileChannel ch = PageioFileChannel.open(ring, filled("throw-" + engine),
                 Set.of(READ, DirectOpenOption.DIRECT), executor))
        {
            final CompletionHandler<Integer, Integer> handler = new CompletionHandler<>()
            {
                @Override
                public void completed(final Integer result, final Integer index)
                {
                    bytes.addAndGet(result);
                    ran.countDown();
                    if (index % 10 == 0)
                    {
                        throw new IllegalStateException("handler throws on purpose: index=" + index);
                    }
                }

                @Override
                public void failed(final Throwable failure, final Integer index)
                {
                    ran.countDown();
                }
            };
            final ByteBuffer[] buffers = new ByteBuffer[requests];
            for (int i = 0; i < requests; i++)
            {
                buffers[i] = aligned();
                ch.read(buffers[i], (long)(i % BLOCKS) * BLOCK, i, handler);
            }
            assertTrue(ran.await(60, TimeUnit.SECONDS), "handlers still to run: " + ran.getCount());
        }
        finally
        {
            executor.shutdown();
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS));
        }
        assertEquals(requests * BLOCK, bytes.get(), "every read completed whole");
        // A worker's uncaught exception is dispatched after it left the pool, so possibly after awaitTermination.
        final int expected = (requests + 9) / 10;
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (thrown(uncaught) < expected && System.nanoTime() - deadlineNs < 0)
        {
            Thread.sleep(10);
        }
        assertEquals(expected, thrown(uncaught), "each handler's exception reaches the executor's thread once");
    }

    private static int thrown(final Iterable<Throwable> uncaught)
    {
        int thrown = 0;
        for (final Throwable t : uncaught)
        {
            thrown += 1 + t.getSuppressed().length;
        }
        return thrown;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldLetAHandlerWaitForTheHandlerOfAnOperationItIssued(final String engine) throws Exception
    {
        final int chains = 200;
        final int concurrent = 16;
        final CountDownLatch done = new CountDownLatch(chains);
        final AtomicInteger waited = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger(concurrent);
        try (IoRing ring = IoRing.open(RingConfig.builder().engine(engine).name("lane-wait-" + engine).build());
             PageioFileChannel ch = PageioFileChannel.open(ring, filled("wait-" + engine),
                 Set.of(READ, WRITE, CREATE, DirectOpenOption.DIRECT), null))
        {
            final CompletionHandler<Integer, Integer> inner = new CompletionHandler<>()
            {
                @Override
                public void completed(final Integer result, final Integer index)
                {
                }

                @Override
                public void failed(final Throwable failure, final Integer index)
                {
                }
            };
            final CompletionHandler<Integer, ByteBuffer> outer = new CompletionHandler<>()
            {
                @Override
                public void completed(final Integer result, final ByteBuffer buffer)
                {
                    // a handler that issues a read and blocks until that read's own handler has run elsewhere
                    final CountDownLatch innerRan = new CountDownLatch(1);
                    ch.read(aligned(), 0, 0, new CompletionHandler<Integer, Integer>()
                    {
                        @Override
                        public void completed(final Integer r, final Integer a)
                        {
                            inner.completed(r, a);
                            innerRan.countDown();
                        }

                        @Override
                        public void failed(final Throwable f, final Integer a)
                        {
                            innerRan.countDown();
                        }
                    });
                    try
                    {
                        if (innerRan.await(30, TimeUnit.SECONDS))
                        {
                            waited.incrementAndGet();
                        }
                    }
                    catch (final InterruptedException e)
                    {
                        Thread.currentThread().interrupt();
                    }
                    done.countDown();
                    final int next = started.getAndIncrement();
                    if (next < chains)
                    {
                        buffer.clear();
                        ch.read(buffer, (long)(next % BLOCKS) * BLOCK, buffer, this);
                    }
                }

                @Override
                public void failed(final Throwable failure, final ByteBuffer buffer)
                {
                    done.countDown();
                }
            };
            for (int i = 0; i < concurrent; i++)
            {
                final ByteBuffer b = aligned();
                ch.read(b, (long)i * BLOCK, b, outer);
            }
            assertTrue(done.await(90, TimeUnit.SECONDS), "chains still to finish: " + done.getCount());
        }
        assertEquals(chains, waited.get(), "every handler saw the handler of the read it issued run");
    }

    /** A cached pool that counts the tasks handed to it. */
    private static final class CountingExecutor extends ThreadPoolExecutor
    {
        final AtomicInteger executed = new AtomicInteger();

        CountingExecutor()
        {
            super(0, 8, 1, TimeUnit.SECONDS, new SynchronousQueue<>(), r ->
            {
                final Thread t = new Thread(r, "lane-test-counted");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public void execute(final Runnable command)
        {
            executed.incrementAndGet();
            super.execute(command);
        }
    }

    /** Waits (30 s at most) until a task of {@code lane} spins for operations: its batch is done. */
    private static void awaitSpinning(final HandlerLane lane)
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!lane.spinning())
        {
            assertTrue(System.nanoTime() - deadlineNs < 0, "the lane's task spins after its batch (30 s)");
            Thread.onSpinWait();
        }
    }

    /** @return an operation that, pushed onto a lane, runs {@code handler} with -1 (a read at end of file). */
    private static ChannelOp completedOp(final CompletionHandler<Integer, ?> handler)
    {
        final ChannelOp op = ChannelOp.acquire();
        op.start(null, false, ByteBuffer.allocate(1), 1, null, null, handler, null);
        return op;
    }

    private static CompletionHandler<Integer, Object> recording(final Queue<Thread> threads, final CountDownLatch ran)
    {
        return new CompletionHandler<>()
        {
            @Override
            public void completed(final Integer result, final Object attachment)
            {
                threads.add(Thread.currentThread());
                ran.countDown();
            }

            @Override
            public void failed(final Throwable failure, final Object attachment)
            {
                ran.countDown();
            }
        };
    }

    @Test
    @Timeout(60)
    void shouldRunOperationsPushedWhileTheTaskSpinsWithoutAnotherHandOff() throws Exception
    {
        final CountingExecutor executor = new CountingExecutor();
        final HandlerLane lane = new HandlerLane(executor, TimeUnit.SECONDS.toNanos(60));
        final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        try
        {
            final CountDownLatch first = new CountDownLatch(1);
            lane.dispatch(completedOp(recording(threads, first)));
            assertTrue(first.await(30, TimeUnit.SECONDS), "first handler ran");
            awaitSpinning(lane);
            // One at a time, each onto the spinning lane: a push that lands while the task runs a handler finds the
            // lane idle and is handed to another task by design (CI's JDK 25 run saw that when both came at once).
            for (int i = 0; i < 2; i++)
            {
                final CountDownLatch more = new CountDownLatch(1);
                lane.dispatch(completedOp(recording(threads, more)));
                assertTrue(more.await(30, TimeUnit.SECONDS), "a handler pushed onto the spinning lane ran");
                awaitSpinning(lane); // back to its spin after the handler
            }
            assertEquals(1, executor.executed.get(), "one executor task for the three operations");
            assertEquals(1, Set.copyOf(threads).size(), "all three ran on the spinning task's thread");
        }
        finally
        {
            executor.shutdownNow(); // the interrupt ends the spin
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS), "the spinning task gave its thread back");
        }
        assertFalse(lane.spinning(), "the lane is idle after the interrupted spin");
    }

    @ParameterizedTest(name = "hold={0}")
    @ValueSource(booleans = {true, false})
    @Timeout(60)
    void shouldHandAnOperationThatCompletesWhileAHandlerBlocksToAnotherThread(final boolean hold) throws Exception
    {
        final CountingExecutor executor = new CountingExecutor();
        // holding: the operation waits behind the blocked handler until the watchdog hands it on (1-2 ms); not
        // holding: it goes to another task at once
        final HandlerLane lane = new HandlerLane(executor, TimeUnit.SECONDS.toNanos(60), hold);
        final CountDownLatch blocking = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        try
        {
            lane.dispatch(completedOp(new CompletionHandler<Integer, Object>()
            {
                @Override
                public void completed(final Integer result, final Object attachment)
                {
                    threads.add(Thread.currentThread());
                    blocking.countDown();
                    try
                    {
                        release.await(30, TimeUnit.SECONDS);
                    }
                    catch (final InterruptedException e)
                    {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void failed(final Throwable failure, final Object attachment)
                {
                }
            }));
            assertTrue(blocking.await(30, TimeUnit.SECONDS), "first handler started");
            final CountDownLatch second = new CountDownLatch(1);
            lane.dispatch(completedOp(recording(threads, second)));
            assertTrue(second.await(30, TimeUnit.SECONDS), "the second handler ran while the first still blocks");
            assertEquals(2, executor.executed.get(), "the second operation was handed to another task");
            assertEquals(2, Set.copyOf(threads).size(), "on another thread");
        }
        finally
        {
            release.countDown();
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    @Timeout(60)
    void shouldRunOperationsThatCompleteWhileAHandlerRunsOnItsTaskWhenTheLaneHolds() throws Exception
    {
        final CountingExecutor executor = new CountingExecutor();
        // unwatched: on a loaded machine the watchdog could hand the three on if this thread stalled a millisecond
        final HandlerLane lane = new HandlerLane(executor, 0, true, false);
        final Queue<Thread> threads = new ConcurrentLinkedQueue<>();
        final CountDownLatch ran = new CountDownLatch(4);
        final CompletionHandler<Integer, Object> last = recording(threads, ran);
        try
        {
            lane.dispatch(completedOp(new CompletionHandler<Integer, Object>()
            {
                @Override
                public void completed(final Integer result, final Object attachment)
                {
                    threads.add(Thread.currentThread());
                    ran.countDown();
                    // three operations complete while this handler runs (as the agent pushes them): they wait for
                    // this task, which takes them when the handler returns
                    for (int i = 0; i < 3; i++)
                    {
                        lane.dispatch(completedOp(last));
                    }
                }

                @Override
                public void failed(final Throwable failure, final Object attachment)
                {
                }
            }));
            assertTrue(ran.await(30, TimeUnit.SECONDS), "every handler ran");
            assertEquals(1, executor.executed.get(), "one executor task for the four operations");
            assertEquals(1, Set.copyOf(threads).size(), "all four on its thread");
        }
        finally
        {
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    @Test
    @Timeout(60)
    void shouldStopSpinningWhenATaskWaitsInTheExecutorsQueue() throws Exception
    {
        final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            r ->
            {
                final Thread t = new Thread(r, "lane-test-single");
                t.setDaemon(true);
                return t;
            });
        final HandlerLane lane = new HandlerLane(executor, TimeUnit.SECONDS.toNanos(60));
        try
        {
            final CountDownLatch first = new CountDownLatch(1);
            lane.dispatch(completedOp(recording(new ConcurrentLinkedQueue<>(), first)));
            assertTrue(first.await(30, TimeUnit.SECONDS), "first handler ran");
            awaitSpinning(lane);
            // the pool's only thread spins (up to 60 s here): a task queued behind it must not wait for the spin
            final CountDownLatch queued = new CountDownLatch(1);
            executor.execute(queued::countDown);
            assertTrue(queued.await(30, TimeUnit.SECONDS), "the queued task ran: the spin gave the thread back");
            assertFalse(lane.spinning(), "the lane is idle after the spin gave way");
        }
        finally
        {
            executor.shutdownNow();
            assertTrue(executor.awaitTermination(30, TimeUnit.SECONDS));
        }
    }
}
