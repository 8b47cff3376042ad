package dev.pageio.example;

import dev.pageio.core.IoRing;
import dev.pageio.direct.AlignedBufferPool;
import dev.pageio.direct.DirectIoPolicy;
import dev.pageio.direct.PageStore;
import dev.pageio.direct.PageStoreConfig;

import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Writes a page, commits it with a barrier, reads it back; prints what ran where. Argument: the file. */
public final class Consumer
{
    private Consumer()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final PageStoreConfig config = PageStoreConfig.builder()
            .pageSizeBytes(4096)
            .engine(args.length > 1 ? args[1] : "auto")
            .policy(DirectIoPolicy.OPTIONAL)
            .buffers(2, AlignedBufferPool.Mode.FAST)
            .build();
        try (PageStore store = PageStore.open(Path.of(args[0]), config))
        {
            store.grow(1);
            final ByteBuffer out = store.buffers().acquire();
            out.putLong(0, 0x70616765696fL);
            store.writePage(0, out).get();
            store.barrier().get();
            final ByteBuffer in = store.buffers().acquire();
            store.readPage(0, in).get();
            if (in.getLong(0) != 0x70616765696fL)
            {
                throw new AssertionError("read back a different page");
            }
            System.out.println("pageio-jpms-consumer ok engine=" + store.engine()
                + " module=" + IoRing.class.getModule().getName()
                + " consumer=" + Consumer.class.getModule().getName());
        }
    }
}
