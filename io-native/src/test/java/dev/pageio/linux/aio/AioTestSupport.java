package dev.pageio.linux.aio;

import dev.pageio.core.RingConfig;
import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;
import java.util.function.BooleanSupplier;

/** Helpers for driving an {@link AioBackend} by hand, before the core's ring exists. */
final class AioTestSupport
{
    static final int PAGE = 4096;
    static final AioEngine ENGINE = new AioEngine();

    private AioTestSupport()
    {
    }

    /** @return the directories tested: ext4 (the module's target/) and tmpfs (/dev/shm). */
    static Path[] directories() throws IOException
    {
        final Path ext4 = Files.createDirectories(Path.of("target", "aio-test").toAbsolutePath());
        final Path tmpfs = Files.createDirectories(Path.of("/dev/shm", "pageio-aio-test-" + ProcessHandle.current().pid()));
        return new Path[] {ext4, tmpfs};
    }

    static AioBackend backend(final int queueDepth) throws IOException
    {
        return backend(queueDepth, queueDepth + 1, ENGINE.kernelSync(), false);
    }

    static AioBackend backend(final int queueDepth, final int contextEvents, final boolean kernelSync,
        final boolean forceGetevents) throws IOException
    {
        return backend(queueDepth, contextEvents, kernelSync, ENGINE.kernelPoll(), forceGetevents);
    }

    static AioBackend backend(final int queueDepth, final int contextEvents, final boolean kernelSync,
        final boolean kernelPoll, final boolean forceGetevents) throws IOException
    {
        final RingConfig config = RingConfig.builder().queueDepth(queueDepth).maxSegments(8).name("aio-test").build();
        final AioContext context = AioContext.open(contextEvents, contextEvents);
        if (forceGetevents)
        {
            context.reapWithGetevents("io_getevents forced by the test");
        }
        return new AioBackend(config.backendConfig(), kernelSync, kernelPoll, context);
    }

    /** @return an O_DIRECT file, created and sized to {@code pages} pages. */
    static FdFileAccess directFile(final Path dir, final String name, final int pages) throws IOException
    {
        final Path path = dir.resolve(name);
        Files.deleteIfExists(path);
        final FdFileAccess file = FdFileAccess.open(path,
            Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE), Arch.O_DIRECT);
        if (Linux.ftruncate(file.fd(), (long)pages * PAGE) != 0)
        {
            throw new IOException("ftruncate failed: path=" + path);
        }
        return file;
    }

    static void delete(final FileAccess file) throws IOException
    {
        file.close();
        Files.deleteIfExists(file.path());
    }

    /** @return a direct buffer of {@code bytes} whose address is 4096-aligned. */
    static ByteBuffer aligned(final int bytes)
    {
        final ByteBuffer raw = ByteBuffer.allocateDirect(bytes + PAGE);
        final long address = Linux.address(raw);
        final int skip = (int)((PAGE - (address % PAGE)) % PAGE);
        return raw.slice(skip, bytes);
    }

    static void fill(final ByteBuffer buffer, final int seed)
    {
        for (int i = 0; i < buffer.capacity(); i++)
        {
            buffer.put(i, (byte)(seed * 31 + i * 7));
        }
    }

    static boolean matches(final ByteBuffer buffer, final int seed)
    {
        for (int i = 0; i < buffer.capacity(); i++)
        {
            if (buffer.get(i) != (byte)(seed * 31 + i * 7))
            {
                return false;
            }
        }
        return true;
    }

    static Request single(final Request r, final RequestOp op, final FileAccess file, final ByteBuffer buffer,
        final long fileOffset)
    {
        r.clear();
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        r.fileOffset = fileOffset;
        r.buffer = buffer;
        r.bufferPosition = 0;
        r.length = buffer.capacity();
        return r;
    }

    static Request vectored(final Request r, final RequestOp op, final FileAccess file, final ByteBuffer[] buffers,
        final long fileOffset)
    {
        r.clear();
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        r.fileOffset = fileOffset;
        r.buffers = buffers;
        long total = 0;
        for (int i = 0; i < buffers.length; i++)
        {
            r.segmentBuffers[i] = i;
            r.segmentPositions[i] = 0;
            r.segmentLengths[i] = buffers[i].capacity();
            total += buffers[i].capacity();
        }
        r.segmentCount = buffers.length;
        r.length = total;
        return r;
    }

    static Request sync(final Request r, final RequestOp op, final FileAccess file)
    {
        r.clear();
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        return r;
    }

    static Request[] slots(final int n)
    {
        final Request[] slots = new Request[n];
        for (int i = 0; i < n; i++)
        {
            slots[i] = new Request(i, 8);
        }
        return slots;
    }

    /** Submits and reaps until the condition holds; fails after 10 s. */
    static void drive(final AioBackend backend, final RecordingSink sink, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean())
        {
            backend.submit();
            backend.reap(sink);
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("not done in 10 s: " + backend + " sink=" + sink);
            }
        }
    }

    /** Records what a backend delivers, by slot index. */
    static final class RecordingSink implements CompletionSink
    {
        static final long NONE = Long.MIN_VALUE;
        final long[] results;
        final int[] completions;
        final int[] cancelAnswers;
        int completed;
        int answered;
        java.util.function.Consumer<Request> onComplete;

        RecordingSink(final int slots)
        {
            results = new long[slots];
            completions = new int[slots];
            cancelAnswers = new int[slots];
            Arrays.fill(results, NONE);
            Arrays.fill(cancelAnswers, Integer.MIN_VALUE);
        }

        @Override
        public void complete(final Request request, final long result)
        {
            results[request.index] = result;
            completions[request.index]++;
            completed++;
            if (onComplete != null)
            {
                onComplete.accept(request);
            }
        }

        @Override
        public void cancelResult(final Request request, final int result)
        {
            cancelAnswers[request.index] = result;
            answered++;
        }

        @Override
        public String toString()
        {
            return "RecordingSink{completed=" + completed + " answered=" + answered + "}";
        }
    }
}
