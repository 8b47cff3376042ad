package dev.pageio.direct;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link PageStoreMemlockTest}: opens a page store on io_uring under whatever RLIMIT_MEMLOCK
 * and user it was started with, writes, syncs and reads back a page, and prints what it saw (one key=value a line).
 */
final class MemlockChild
{
    private MemlockChild()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
        {
            if (line.startsWith("Uid:"))
            {
                System.out.println("uid=" + line.split("\\s+")[1]);
            }
        }
        for (final String line : Files.readAllLines(Path.of("/proc/self/limits")))
        {
            if (line.startsWith("Max locked memory"))
            {
                System.out.println("memlock=" + line.substring("Max locked memory".length()).trim());
            }
        }
        final PageStoreConfig config = PageStoreConfig.builder()
            .pageSizeBytes(16 * 1024)
            .engine("io_uring")
            .policy(DirectIoPolicy.OPTIONAL)
            .buffers(64, AlignedBufferPool.Mode.FAST) // 1 MiB: far above the child's memlock limit
            .build();
        try (PageStore store = PageStore.open(Path.of(args[0]), config))
        {
            System.out.println("engine=" + store.engine());
            System.out.println("registered=" + store.buffersRegistered());
            System.out.println("cause=" + store.bufferRegistrationCause());
            store.grow(4);
            final ByteBuffer page = store.buffers().acquire(TimeUnit.SECONDS.toNanos(5));
            final ByteBuffer back = store.buffers().acquire(TimeUnit.SECONDS.toNanos(5));
            try
            {
                page.put(0, (byte)7).put(16 * 1024 - 1, (byte)9);
                store.writePage(2, page).get(30, TimeUnit.SECONDS);
                store.barrier().get(30, TimeUnit.SECONDS);
                store.readPage(2, back).get(30, TimeUnit.SECONDS);
                System.out.println("readBack=" + (back.get(0) == 7 && back.get(16 * 1024 - 1) == 9));
            }
            finally
            {
                store.buffers().release(page);
                store.buffers().release(back);
            }
        }
        System.out.println("closed=true");
    }
}
