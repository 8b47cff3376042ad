package dev.pageio.linux.uring;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.Linux;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Helpers for driving a backend by hand: requests, a recording sink, aligned buffers, test directories. */
final class UringTestSupport
{
    static final Path EXT4_DIR = Paths.get("target", "uring-test").toAbsolutePath();
    static final Path TMPFS_DIR = Paths.get("/dev/shm", "pageio-uring-test-" + ProcessHandle.current().pid());

    private UringTestSupport()
    {
    }

    /** A sink that records what it receives, by slot index. */
    static final class RecordingSink implements CompletionSink
    {
        final long[] results;
        final int[] cancelResults;
        final List<Request> completed = new ArrayList<>();
        int completions;
        int cancelAnswers;

        RecordingSink(final int queueDepth)
        {
            results = new long[queueDepth];
            cancelResults = new int[queueDepth];
        }

        @Override
        public void complete(final Request request, final long result)
        {
            results[request.index] = result;
            completed.add(request);
            completions++;
        }

        @Override
        public void cancelResult(final Request request, final int result)
        {
            cancelResults[request.index] = result;
            cancelAnswers++;
        }
    }

    static Path tempFile(final Path dir, final String name) throws Exception
    {
        Files.createDirectories(dir);
        final Path file = dir.resolve(name + "-" + System.nanoTime());
        Files.deleteIfExists(file);
        return file;
    }

    static void deleteDir(final Path dir) throws Exception
    {
        if (Files.exists(dir))
        {
            try (var files = Files.list(dir))
            {
                for (final Path f : (Iterable<Path>)files::iterator)
                {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /** @return a direct buffer of {@code size} bytes whose address is a multiple of {@code alignment}. */
    static ByteBuffer aligned(final int size, final int alignment)
    {
        final ByteBuffer raw = ByteBuffer.allocateDirect(size + alignment);
        final long address = Linux.address(raw);
        final int skip = (int)((alignment - (address % alignment)) % alignment);
        return raw.position(skip).limit(skip + size).slice();
    }

    static Request single(final int index, final RequestOp op, final FileAccess file, final long offset,
        final ByteBuffer buffer, final int position, final int length)
    {
        final Request r = new Request(index, 8);
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        r.fileOffset = offset;
        r.buffer = buffer;
        r.bufferPosition = position;
        r.length = length;
        return r;
    }

    static Request sync(final int index, final RequestOp op, final FileAccess file)
    {
        final Request r = new Request(index, 8);
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        return r;
    }

    static Request vectored(final int index, final RequestOp op, final FileAccess file, final long offset,
        final ByteBuffer... buffers)
    {
        final Request r = new Request(index, 8);
        r.op = op;
        r.file = file;
        r.fd = file.fd();
        r.fileOffset = offset;
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

    /** Reaps (and awaits briefly) until {@code done}, or fails after 10 s. */
    static void reapUntil(final UringBackend backend, final RecordingSink sink, final BooleanSupplier done)
    {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                throw new AssertionError("not done in 10 s: completions=" + sink.completions + " inFlight=" +
                    backend.inFlight());
            }
            backend.submit();
            if (backend.reap(sink) == 0 && !done.getAsBoolean())
            {
                backend.await(1_000_000L);
            }
        }
    }

    static void fill(final ByteBuffer buffer, final int seed)
    {
        for (int i = 0; i < buffer.capacity(); i++)
        {
            buffer.put(i, (byte)(seed + i * 31));
        }
    }
}
