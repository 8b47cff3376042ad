package dev.pageio.direct;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The worked example of EXAMPLE.md, run as written (between the two markers). */
class PageStoreExampleTest
{
    @Test
    @Timeout(60)
    void shouldRunTheWorkedExample() throws Exception
    {
        final Path dir = TestFiles.ext4Dir("example");
        try
        {
            example(dir.resolve("tree.db"));
        }
        finally
        {
            TestFiles.deleteTree(dir);
        }
    }

    private static void example(final Path path) throws Exception
    {
        // --- example start
        final PageStoreConfig config = PageStoreConfig.builder()
            .pageSizeBytes(16 * 1024)                 // a power of two, a multiple of the O_DIRECT alignment
            .engine("auto")                           // io_uring, then aio, then threads
            .policy(DirectIoPolicy.REQUIRED)          // refuse to run through the page cache
            .buffers(64, AlignedBufferPool.Mode.FAST) // page buffers aligned for this file
            .build();

        final int threads = 4;
        final int pagesPerThread = 32;
        try (PageStore store = PageStore.open(path, config))
        {
            System.out.println("engine=" + store.engine() + " " + store.alignment() +
                " filesystem=" + store.file().fileSystem().name());
            store.grow(threads * pagesPerThread);     // preallocated: writes there cannot hit ENOSPC

            // Several writer threads, each owning a range of pages.
            final ExecutorService writers = Executors.newFixedThreadPool(threads);
            final List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                final long first = (long)t * pagesPerThread;
                done.add(writers.submit(() ->
                {
                    final List<CompletableFuture<Long>> writes = new ArrayList<>();
                    for (long page = first; page < first + pagesPerThread; page++)
                    {
                        final ByteBuffer buffer = store.buffers().acquire(TimeUnit.SECONDS.toNanos(5));
                        buffer.put(("page " + page).getBytes(StandardCharsets.US_ASCII)).clear();
                        writes.add(store.writePage(page, buffer)
                            .whenComplete((bytes, failure) -> store.buffers().release(buffer)));
                    }
                    return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get();
                }));
            }
            for (final Future<?> f : done)
            {
                f.get();
            }
            writers.shutdown();

            // Commit: every page written above is on stable storage once this completes.
            store.barrier().get(10, TimeUnit.SECONDS);
        }

        // Reopen and read everything back.
        try (PageStore store = PageStore.open(path, config))
        {
            final ByteBuffer buffer = store.buffers().acquire();
            for (long page = 0; page < store.pageCount(); page++)
            {
                buffer.clear();
                store.readPage(page, buffer).get(10, TimeUnit.SECONDS);
                final byte[] expected = ("page " + page).getBytes(StandardCharsets.US_ASCII);
                final byte[] actual = new byte[expected.length];
                buffer.get(0, actual);
                if (!java.util.Arrays.equals(expected, actual))
                {
                    throw new IllegalStateException("page " + page + " lost");
                }
            }
            store.buffers().release(buffer);
        }
        // --- example end
        assertEquals((long)threads * pagesPerThread * 16 * 1024, Files.size(path));
    }
}
