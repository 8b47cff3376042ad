package dev.pageio.channel;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The differential suite's contract part: each case runs the same code against the JDK's channel (the oracle) and
 * against {@link PageioFileChannel} on each engine, buffered and O_DIRECT, and the two transcripts (results,
 * exception types, buffer positions, file contents) must be equal; a few facts are also asserted outright, so that a
 * case cannot pass by both sides doing nothing.
 */
class ChannelContractTest
{
    private static final Path DIR = ChannelDifferentialTest.DIR.resolveSibling("contract");
    private static final AtomicInteger FILES = new AtomicInteger();
    private static ExecutorService executor;

    @BeforeAll
    static void setUp() throws Exception
    {
        Files.createDirectories(DIR);
        executor = Executors.newCachedThreadPool(r ->
        {
            final Thread t = new Thread(r, "afc-contract-handler");
            t.setDaemon(true);
            return t;
        });
    }

    static Stream<Subject> subjects()
    {
        return Subject.pageio().stream();
    }

    interface Body
    {
        void run(Subject subject, Path path, int alignment, List<String> log) throws Exception;
    }

    private static List<String> transcript(final Subject subject, final Body body) throws Exception
    {
        final Path path = DIR.resolve(subject.engine() + "-" + FILES.incrementAndGet());
        Files.deleteIfExists(path);
        final List<String> log = new ArrayList<>();
        try
        {
            body.run(subject, path, ChannelDifferentialTest.alignment(subject.direct()), log);
        }
        finally
        {
            Files.deleteIfExists(path);
        }
        return log;
    }

    /** Runs the body on the JDK and on the subject; returns the subject's transcript once both are equal. */
    private static List<String> assertSameAsJdk(final Subject subject, final Body body) throws Exception
    {
        final List<String> expected = transcript(subject.oracle(), body);
        final List<String> actual = transcript(subject, body);
        assertEquals(String.join("\n", expected), String.join("\n", actual), "subject=" + subject);
        return actual;
    }

    private static ByteBuffer direct(final int length, final int alignment)
    {
        final int a = Math.max(alignment, 8);
        return ByteBuffer.allocateDirect(length + a).alignedSlice(a).limit(length).slice();
    }

    private static ByteBuffer filled(final int length, final int alignment, final int seed)
    {
        final ByteBuffer b = direct(length, alignment);
        for (int i = 0; i < length; i++)
        {
            b.put(i, (byte)(seed + i * 31));
        }
        return b;
    }

    // --------------------------------------------------------------------------------------------- arguments

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldRefuseBadArgumentsAtTheCallAsTheJdkDoes(final Subject subject) throws Exception
    {
        final List<String> log = assertSameAsJdk(subject, (s, path, a, out) ->
        {
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE))
            {
                final ByteBuffer b = direct(a, a);
                final CompletionHandler<Integer, Object> ignore = new CompletionHandler<>()
                    {
                        @Override
                        public void completed(final Integer result, final Object attachment)
                        {
                        }

                        @Override
                        public void failed(final Throwable exc, final Object attachment)
                        {
                        }
                    };
                out.add("read negative " + Observe.call(() -> ch.read(b, -1)));
                out.add("write negative " + Observe.call(() -> ch.write(b, -1)));
                out.add("read read-only " + Observe.call(() -> ch.read(b.asReadOnlyBuffer(), 0)));
                out.add("read read-only negative " + Observe.call(() -> ch.read(b.asReadOnlyBuffer(), -1)));
                out.add("read null " + Observe.call(() -> ch.read(null, 0)));
                out.add("write null " + Observe.call(() -> ch.write(null, 0)));
                out.add("read null handler " + Observe.call(() ->
                {
                    ch.read(b, 0, null, null);
                    return "";
                }));
                out.add("write null handler " + Observe.call(() ->
                {
                    ch.write(b, 0, null, null);
                    return "";
                }));
                out.add("read handler negative " + Observe.call(() ->
                {
                    ch.read(b, -5, null, ignore);
                    return "";
                }));
                out.add("truncate negative " + Observe.call(() -> ch.truncate(-1)));
                out.add("lock negative " + Observe.call(() -> ch.lock(-1, 10, false)));
                out.add("lock size negative " + Observe.call(() -> ch.lock(0, -10, false)));
                out.add("tryLock negative " + Observe.call(() -> ch.tryLock(-1, 10, true)));
                out.add("position " + b.position() + " limit " + b.limit());
            }
            try (AsynchronousFileChannel ch = s.open(path, executor, READ))
            {
                final ByteBuffer b = direct(a, a);
                out.add("ro write " + Observe.call(() -> ch.write(b, 0)));
                out.add("ro write negative " + Observe.call(() -> ch.write(b, -1)));
                out.add("ro truncate " + Observe.call(() -> ch.truncate(0)));
                out.add("ro lock exclusive " + Observe.call(() -> ch.lock(0, 10, false)));
                out.add("ro tryLock exclusive " + Observe.call(() -> ch.tryLock(0, 10, false)));
                out.add("ro force " + Observe.call(() ->
                {
                    ch.force(true);
                    return "done";
                }));
            }
            try (AsynchronousFileChannel ch = s.open(path, executor, WRITE))
            {
                final ByteBuffer b = direct(a, a);
                out.add("wo read " + Observe.call(() -> ch.read(b, 0)));
                out.add("wo lock shared " + Observe.call(() -> ch.lock(0, 10, true)));
                out.add("wo tryLock shared " + Observe.call(() -> ch.tryLock(0, 10, true)));
            }
            try (AsynchronousFileChannel ch = s.open(path, executor))
            {
                out.add("default mode write " + Observe.call(() -> ch.write(direct(a, a), 0)));
            }
        });
        assertTrue(log.contains("read negative threw:IllegalArgumentException"), log.toString());
        assertTrue(log.contains("read read-only threw:IllegalArgumentException"), log.toString());
        assertTrue(log.contains("ro write threw:NonWritableChannelException"), log.toString());
        assertTrue(log.contains("wo read threw:NonReadableChannelException"), log.toString());
        assertTrue(log.contains("default mode write threw:NonWritableChannelException"), log.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldOpenWithTheOptionsAndExceptionsOfTheJdk(final Subject subject) throws Exception
    {
        assertSameAsJdk(subject, (s, path, a, out) ->
        {
            out.add("missing " + Observe.call(() -> s.open(path, executor, READ, WRITE).isOpen()));
            out.add("append " + Observe.call(() -> s.open(path, executor, WRITE, CREATE, StandardOpenOption.APPEND)));
            try (AsynchronousFileChannel ch = s.open(path, executor, WRITE, StandardOpenOption.CREATE_NEW))
            {
                out.add("created " + Files.exists(path) + " size " + ch.size());
                out.add("write " + Observe.future(ch.write(filled(a, a, 1), 0)));
            }
            out.add("create-new again " + Observe.call(() -> s.open(path, executor, WRITE, StandardOpenOption.CREATE_NEW)));
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                out.add("truncated size " + ch.size());
            }
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, StandardOpenOption.DELETE_ON_CLOSE))
            {
                out.add("delete-on-close exists " + Files.exists(path) + " open " + ch.isOpen());
                out.add("write " + Observe.future(ch.write(filled(a, a, 2), 0)));
            }
            out.add("after close exists " + Files.exists(path));
            out.add("null option " + Observe.call(() -> s.open(path, executor, READ, WRITE, CREATE, (OpenOption)null)));
        });
    }

    // ------------------------------------------------------------------------------------- results, EOF, close

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldReturnZeroForNothingMinusOneAtEndAndShortReadsAcrossTheEnd(final Subject subject) throws Exception
    {
        final List<String> log = assertSameAsJdk(subject, (s, path, a, out) ->
        {
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE))
            {
                final ByteBuffer src = filled(3 * a + (a == 1 ? 100 : 0), a, 7);
                out.add("write " + Observe.write(ch, src, 0, false) + Observe.buffer(src));
                final ByteBuffer empty = direct(a, a).limit(0);
                out.add("read empty " + Observe.read(ch, empty, 0, true) + Observe.buffer(empty));
                out.add("write empty " + Observe.write(ch, empty, 1 << 30, false) + " size " + ch.size());
                final ByteBuffer dst = direct(8 * a, a);
                out.add("read at end " + Observe.read(ch, dst, ch.size(), false) + Observe.buffer(dst));
                out.add("read past end " + Observe.read(ch, dst, ch.size() + 10L * a, true) + Observe.buffer(dst));
                out.add("read across end " + Observe.read(ch, dst, a, false) + Observe.buffer(dst));
                final ByteBuffer heap = ByteBuffer.allocate(8 * a);
                if (a == 1)
                {
                    out.add("read heap across end " + Observe.read(ch, heap.position(3), 50, true) + Observe.buffer(heap));
                }
                out.add("size " + ch.size());
            }
        });
        assertTrue(log.get(3).startsWith("read at end future:-1"), log.toString());
        assertTrue(log.get(1).startsWith("read empty h:0"), log.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldReportClosedChannelThroughFuturesAndHandlersAfterClose(final Subject subject) throws Exception
    {
        final List<String> log = assertSameAsJdk(subject, (s, path, a, out) ->
        {
            final AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE);
            out.add("write " + Observe.future(ch.write(filled(a, a, 3), 0)));
            ch.close();
            out.add("open " + ch.isOpen());
            final ByteBuffer b = direct(a, a);
            out.add("read " + Observe.read(ch, b, 0, false) + Observe.buffer(b));
            out.add("read handler " + Observe.read(ch, b, 0, true));
            out.add("write " + Observe.write(ch, b, 0, false));
            out.add("write handler " + Observe.write(ch, b, 0, true));
            out.add("read empty " + Observe.read(ch, b.duplicate().limit(0), 0, false));
            out.add("size " + Observe.call(ch::size));
            out.add("truncate " + Observe.call(() -> ch.truncate(0)));
            out.add("force " + Observe.call(() ->
            {
                ch.force(false);
                return "";
            }));
            out.add("tryLock " + Observe.call(() -> ch.tryLock()));
            out.add("lock " + Observe.call(() -> ch.lock()));
            final Observe.Recorder<FileLock> r = new Observe.Recorder<>();
            ch.lock("h", r);
            out.add("lock handler " + r.await() + Observe.onAgent(r.thread));
            out.add("close again " + Observe.call(() ->
            {
                ch.close();
                return "";
            }));
            out.add("file " + Files.size(path));
        });
        assertTrue(log.contains("read handler h:failed:ClosedChannelException"), log.toString());
        assertTrue(log.contains("size threw:ClosedChannelException"), log.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(120)
    void shouldCompleteOrAsyncCloseEveryWriteOutstandingAtClose(final Subject subject) throws Exception
    {
        for (final Subject s : List.of(subject.oracle(), subject))
        {
            final Path path = DIR.resolve(s.engine() + "-close-" + FILES.incrementAndGet());
            Files.deleteIfExists(path);
            final AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE);
            final int writes = 64;
            final int length = Math.max(a(s), 1) * 16;
            final List<Observe.Recorder<Integer>> recorders = new ArrayList<>();
            for (int i = 0; i < writes; i++)
            {
                final Observe.Recorder<Integer> r = new Observe.Recorder<>();
                recorders.add(r);
                ch.write(filled(length, a(s), i), (long)i * length, "w" + i, r);
            }
            ch.close();
            assertFalse(ch.isOpen());
            int completed = 0;
            for (int i = 0; i < writes; i++)
            {
                final String outcome = recorders.get(i).await();
                if (outcome.equals("w" + i + ":" + length))
                {
                    completed++;
                    final ByteBuffer back = ByteBuffer.allocate(length);
                    try (var fc = java.nio.channels.FileChannel.open(path, READ))
                    {
                        fc.read(back, (long)i * length);
                    }
                    assertEquals(filled(length, a(s), i).rewind(), back.flip(), "write " + i + " completed: bytes");
                }
                else
                {
                    assertEquals("w" + i + ":failed:AsynchronousCloseException", outcome, "subject=" + s);
                }
                assertEquals("", Observe.onAgent(recorders.get(i).thread));
            }
            System.out.println("close with writes outstanding: subject=" + s + " completed=" + completed + "/" + writes);
            Files.deleteIfExists(path);
        }
    }

    private static int a(final Subject s) throws Exception
    {
        return ChannelDifferentialTest.alignment(s.direct());
    }

    // ------------------------------------------------------------------------------------------ concurrency

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(120)
    void shouldWriteEveryBlockFromManyThreadsWithChainedHandlers(final Subject subject) throws Exception
    {
        assertSameAsJdk(subject, (s, path, a, out) ->
        {
            final int chains = 8;
            final int blocksPerChain = 32;
            final int block = Math.max(a, 4096);
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE))
            {
                final CountDownLatch done = new CountDownLatch(chains);
                final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
                final CountDownLatch start = new CountDownLatch(1);
                final List<Thread> threads = new ArrayList<>();
                for (int c = 0; c < chains; c++)
                {
                    final int chain = c;
                    final Thread t = new Thread(() ->
                    {
                        try
                        {
                            start.await();
                        }
                        catch (final InterruptedException e)
                        {
                            return;
                        }
                        // each completion issues the chain's next write, from the handler's thread
                        new CompletionHandler<Integer, Integer>()
                        {
                            void issue(final int i)
                            {
                                final ByteBuffer b = (i % 2 == 0) ? filled(block, a, chain * 1000 + i) :
                                    heapOrDirect(filled(block, a, chain * 1000 + i), a);
                                ch.write(b, ((long)i * chains + chain) * block, i, this);
                            }

                            @Override
                            public void completed(final Integer result, final Integer i)
                            {
                                if (result != block)
                                {
                                    failures.add("chain " + chain + " write " + i + " result " + result);
                                }
                                if (i + 1 < blocksPerChain)
                                {
                                    issue(i + 1);
                                }
                                else
                                {
                                    done.countDown();
                                }
                            }

                            @Override
                            public void failed(final Throwable exc, final Integer i)
                            {
                                failures.add("chain " + chain + " write " + i + " failed " + exc);
                                done.countDown();
                            }
                        }.issue(0);
                    });
                    threads.add(t);
                    t.start();
                }
                start.countDown();
                assertTrue(done.await(60, TimeUnit.SECONDS), "chains did not finish");
                out.add("failures " + failures);
                out.add("size " + ch.size());
            }
            for (int c = 0; c < chains; c++)
            {
                for (int i = 0; i < blocksPerChain; i++)
                {
                    final ByteBuffer back = ByteBuffer.allocate(block);
                    try (var fc = java.nio.channels.FileChannel.open(path, READ))
                    {
                        fc.read(back, ((long)i * chains + c) * block);
                    }
                    if (!back.flip().equals(filled(block, a, c * 1000 + i)))
                    {
                        out.add("block differs: chain=" + c + " write=" + i);
                    }
                }
            }
            out.add("file crc " + ChannelDifferentialTest.crc(path));
        });
    }

    /** On O_DIRECT files the JDK's channel needs aligned native memory: heap buffers only on buffered files. */
    private static ByteBuffer heapOrDirect(final ByteBuffer direct, final int a)
    {
        if (a > 1)
        {
            return direct;
        }
        final ByteBuffer heap = ByteBuffer.allocate(direct.remaining());
        heap.put(direct.duplicate()).flip();
        return heap;
    }

    // -------------------------------------------------------------------------------------------- handlers

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldRunHandlersOnTheGivenExecutorAndSurviveAnInterruptedHandler(final Subject subject) throws Exception
    {
        assertSameAsJdk(subject, (s, path, a, out) ->
        {
            final ExecutorService mine = Executors.newFixedThreadPool(2, r -> new Thread(r, "mine"));
            try (AsynchronousFileChannel ch = s.open(path, mine, READ, WRITE, CREATE))
            {
                final CompletableFuture<String> where = new CompletableFuture<>();
                ch.write(filled(a, a, 9), 0, null, new CompletionHandler<Integer, Object>()
                {
                    @Override
                    public void completed(final Integer result, final Object attachment)
                    {
                        Thread.currentThread().interrupt(); // an interrupt must not close the channel
                        where.complete(Thread.currentThread().getName() + " " + result);
                    }

                    @Override
                    public void failed(final Throwable exc, final Object attachment)
                    {
                        where.complete("failed " + exc);
                    }
                });
                out.add("handler ran on " + where.get(30, TimeUnit.SECONDS));
                final ByteBuffer b = direct(a, a);
                out.add("read after interrupt " + Observe.read(ch, b, 0, true) + Observe.buffer(b));
                out.add("open " + ch.isOpen());
            }
            finally
            {
                mine.shutdown();
            }
        });
    }

    // -------------------------------------------------------------------------------------------- cancel

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    @SuppressWarnings("try") // a LockHolder.Child is held for its block (another JVM's lock), never read
    void shouldCancelConsistentlyWithIsDoneAndIsCancelled(final Subject subject) throws Exception
    {
        assertSameAsJdk(subject, (s, path, a, out) ->
        {
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE))
            {
                final Future<Integer> w = ch.write(filled(a, a, 4), 0);
                out.add("write " + Observe.future(w));
                out.add("cancel done " + w.cancel(false) + " done " + w.isDone() + " cancelled " + w.isCancelled() +
                    " get " + Observe.future(w));
                try (LockHolder.Child child = new LockHolder.Child(path, 0, 100, false))
                {
                    final Future<FileLock> pending = ch.lock(0, 100, false);
                    out.add("pending done " + pending.isDone());
                    out.add("cancel pending " + pending.cancel(false) + " done " + pending.isDone() + " cancelled " +
                        pending.isCancelled() + " again " + pending.cancel(false));
                    out.add("get " + Observe.call(pending::get));
                    out.add("open after cancel(false) " + ch.isOpen());
                    final Future<FileLock> second = ch.lock(200, 100, false);
                    out.add("unrelated lock " + (second.get(30, TimeUnit.SECONDS).isValid()));
                    child.release();
                }
            }
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE);
                 LockHolder.Child child = new LockHolder.Child(path, 0, 100, false))
            {
                final Future<FileLock> pending = ch.lock(0, 100, false);
                out.add("cancel(true) " + pending.cancel(true) + " cancelled " + pending.isCancelled() + " open " +
                    ch.isOpen());
            }
        });
    }

    // ---------------------------------------------------------------------------------------------- locks

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(120)
    @SuppressWarnings("try") // a LockHolder.Child is held for its block (another JVM's lock), never read
    void shouldSeeAndWaitForLocksOfAnotherProcess(final Subject subject) throws Exception
    {
        final List<String> log = assertSameAsJdk(subject, (s, path, a, out) ->
        {
            try (AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE, CREATE))
            {
                out.add("write " + Observe.future(ch.write(filled(a, a, 5), 0)));
                try (LockHolder.Child child = new LockHolder.Child(path, 0, 100, false))
                {
                    out.add("tryLock overlapping " + ch.tryLock(50, 100, false));
                    out.add("tryLock shared overlapping " + ch.tryLock(0, 10, true));
                    final FileLock beside = ch.tryLock(100, 50, false);
                    out.add("tryLock beside " + beside.isValid() + " " + beside.position() + "+" + beside.size() +
                        " shared " + beside.isShared() + " by this " + (beside.acquiredBy() == ch) +
                        " channel " + beside.channel());
                    out.add("overlapping in this JVM " + Observe.call(() -> ch.tryLock(120, 10, false)));
                    out.add("lock overlapping in this JVM " + Observe.call(() -> ch.lock(120, 10, true)));
                    beside.release();
                    out.add("released " + beside.isValid());
                    final Observe.Recorder<FileLock> r = new Observe.Recorder<>();
                    ch.lock(0, 50, false, "h", r);
                    final Future<FileLock> pending = ch.lock(50, 10, true);
                    out.add("overlapping a pending lock " + Observe.call(() -> ch.lock(40, 20, false)));
                    out.add("tryLock overlapping a pending lock " + Observe.call(() -> ch.tryLock(40, 20, false)));
                    out.add("pending done " + pending.isDone() + " handler done " + r.outcome.isDone());
                    child.release();
                    out.add("handler " + r.await().replaceAll("[a-zA-Z.]*Lock[a-zA-Z]*\\[", "[") + Observe.onAgent(r.thread));
                    out.add("future " + Observe.call(() -> Observe.future(pending).replaceAll("[a-zA-Z.]*Lock[a-zA-Z]*\\[", "[")));
                }
                // a whole-file lock, then a pending lock that the close fails
                final FileLock whole = ch.lock(1000, 0, false).get(30, TimeUnit.SECONDS);
                out.add("whole " + whole.position() + "+" + whole.size() + " by this " + (whole.acquiredBy() == ch));
                whole.release();
                final FileLock tried = ch.tryLock(500, 0, true);
                out.add("tryLock to the end " + tried.position() + "+" + tried.size() + " " + tried.isShared());
            }
            try (LockHolder.Child child = new LockHolder.Child(path, 0, 0, false))
            {
                final AsynchronousFileChannel ch = s.open(path, executor, READ, WRITE);
                final Future<FileLock> pending = ch.lock(0, 10, false);
                final Observe.Recorder<FileLock> r = new Observe.Recorder<>();
                ch.lock(10, 10, true, "h", r);
                out.add("pending " + pending.isDone());
                ch.close();
                out.add("after close " + Observe.future(pending) + " / " + r.await());
            }
        });
        assertTrue(log.contains("tryLock overlapping null"), log.toString());
        assertTrue(log.contains("overlapping in this JVM threw:OverlappingFileLockException"), log.toString());
        assertTrue(log.contains("after close failed:AsynchronousCloseException / h:failed:AsynchronousCloseException"),
            log.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subjects")
    @Timeout(60)
    void shouldReleaseLocksOnCloseAndReportAcquiredBy(final Subject subject) throws Exception
    {
        final Path path = DIR.resolve("locks-" + FILES.incrementAndGet());
        Files.deleteIfExists(path);
        final AsynchronousFileChannel ch = subject.open(path, executor, READ, WRITE, CREATE);
        final FileLock lock = ch.lock(0, 10, false).get(30, TimeUnit.SECONDS);
        assertSame(ch, lock.acquiredBy());
        assertThrows(OverlappingFileLockException.class, () -> ch.tryLock(5, 10, false));
        ch.close();
        assertFalse(lock.isValid());
        assertThrows(java.nio.channels.ClosedChannelException.class, lock::release);
        try (AsynchronousFileChannel again = subject.open(path, executor, READ, WRITE))
        {
            final FileLock relock = again.tryLock(0, 10, false);
            assertTrue(relock != null && relock.isValid(), "lock not released by close");
        }
        Files.deleteIfExists(path);
    }
}
