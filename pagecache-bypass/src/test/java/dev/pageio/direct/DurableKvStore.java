package dev.pageio.direct;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An example a key-value store author can copy: a durable map of {@code long} keys to {@code long} values on a
 * {@link PageStore} (a hash index in pages) and a {@link LogFile} (the write-ahead log).
 *
 * <ul>
 *   <li><b>put</b>: under the bucket page's lock, append a redo record (key, value) to the log and apply it to the
 *   page in memory (remembering the page's newest LSN); then {@link LogFile#commit(long)}: the put is acknowledged
 *   once its record is durable. Many concurrent puts share one log write and one sync (group commit).</li>
 *   <li><b>get</b>: from the pages in memory.</li>
 *   <li><b>checkpoint</b>: note the log's end C; copy each dirty page and write it with
 *   {@link PageStore#writePageAfter(LogFile, long, long, ByteBuffer)} (WAL before page: the page goes to disk only
 *   once the log records it contains are durable, without blocking a thread); barrier; write C to the superblock
 *   (page 0); barrier; {@link LogFile#truncateBefore(long)} C. Every record below C is in a durable page.</li>
 *   <li><b>recovery</b>: read the pages, then replay the log from min(C, recovered end): records carry absolute
 *   values, so replaying one already in a page is harmless.</li>
 * </ul>
 * A bucket page holds up to {@link #ENTRIES_PER_PAGE} entries: {@code [count:int, pad][key:long, value:long]...}.
 */
final class DurableKvStore implements AutoCloseable
{
    static final int PAGE = 4096;
    static final int BUCKETS = 64;
    static final int ENTRIES_PER_PAGE = (PAGE - 16) / 16;
    private static final long MAGIC = 0x4B56_5354_4F52_4531L;

    private final PageStore pages;
    private final LogFile log;
    private final ByteBuffer[] memory = new ByteBuffer[BUCKETS + 1];
    private final long[] pageLsn = new long[BUCKETS + 1];
    private final boolean[] dirty = new boolean[BUCKETS + 1];
    private final Object[] locks = new Object[BUCKETS + 1];
    private final ThreadLocal<ByteBuffer> record = ThreadLocal.withInitial(() -> ByteBuffer.allocate(16));
    private long replayed;

    private DurableKvStore(final PageStore pages, final LogFile log)
    {
        this.pages = pages;
        this.log = log;
        for (int i = 0; i <= BUCKETS; i++)
        {
            memory[i] = ByteBuffer.allocate(PAGE).order(ByteOrder.LITTLE_ENDIAN);
            locks[i] = new Object();
            pageLsn[i] = -1;
        }
    }

    /** Opens (or creates) the store in {@code dir} and recovers it. */
    static DurableKvStore open(final Path dir, final String engine) throws Exception
    {
        Files.createDirectories(dir);
        final PageStore pages = PageStore.open(dir.resolve("pages"), PageStoreConfig.builder().engine(engine)
            .pageSizeBytes(PAGE).build());
        if (pages.pageCount() == 0)
        {
            pages.grow(BUCKETS + 1);
        }
        final LogFile log = LogFile.open(dir.resolve("log"), LogConfig.builder().engine(engine)
            .segmentBytes(1 << 20).build());
        final DurableKvStore kv = new DurableKvStore(pages, log);
        kv.recover();
        return kv;
    }

    private void recover() throws Exception
    {
        final ByteBuffer b = pages.buffers().acquire();
        try
        {
            for (int p = 0; p <= BUCKETS; p++)
            {
                b.clear();
                pages.readPage(p, b).get(30, TimeUnit.SECONDS);
                memory[p].clear();
                memory[p].put(b.clear()).clear();
            }
        }
        finally
        {
            pages.buffers().release(b);
        }
        final long checkpoint = memory[0].getLong(0) == MAGIC ? memory[0].getLong(8) : log.startLsn();
        final long from = Math.max(log.startLsn(), Math.min(checkpoint, log.recoveredEndLsn()));
        try (LogReader reader = log.reader(from))
        {
            while (reader.next())
            {
                final ByteBuffer r = reader.record().order(ByteOrder.LITTLE_ENDIAN);
                apply(r.getLong(0), r.getLong(8), reader.lsn());
                replayed++;
            }
        }
    }

    /** @return records replayed by recovery. */
    long replayed()
    {
        return replayed;
    }

    private static int bucket(final long key)
    {
        return 1 + (int)((key * 0x9E37_79B9_7F4A_7C15L >>> 40) % BUCKETS);
    }

    private void apply(final long key, final long value, final long lsn)
    {
        final int p = bucket(key);
        final ByteBuffer page = memory[p];
        final int count = page.getInt(0);
        for (int i = 0; i < count; i++)
        {
            if (page.getLong(16 + i * 16) == key)
            {
                page.putLong(16 + i * 16 + 8, value);
                pageLsn[p] = Math.max(pageLsn[p], lsn);
                dirty[p] = true;
                return;
            }
        }
        if (count == ENTRIES_PER_PAGE)
        {
            throw new IllegalStateException("bucket full: bucket=" + p + " entries=" + count);
        }
        page.putLong(16 + count * 16, key);
        page.putLong(16 + count * 16 + 8, value);
        page.putInt(0, count + 1);
        pageLsn[p] = Math.max(pageLsn[p], lsn);
        dirty[p] = true;
    }

    /** Puts key=value; completes once durable. */
    CompletableFuture<Long> put(final long key, final long value)
    {
        final int p = bucket(key);
        final long lsn;
        synchronized (locks[p])
        {
            final ByteBuffer r = record.get();
            r.clear();
            r.order(ByteOrder.LITTLE_ENDIAN).putLong(0, key).putLong(8, value);
            lsn = log.append(r);
            apply(key, value, lsn);
        }
        return log.commit(lsn);
    }

    /** @return the value, or null. */
    Long get(final long key)
    {
        final int p = bucket(key);
        synchronized (locks[p])
        {
            final ByteBuffer page = memory[p];
            final int count = page.getInt(0);
            for (int i = 0; i < count; i++)
            {
                if (page.getLong(16 + i * 16) == key)
                {
                    return page.getLong(16 + i * 16 + 8);
                }
            }
            return null;
        }
    }

    /** Writes dirty pages after their log records, records the checkpoint, truncates the log. */
    synchronized void checkpoint() throws Exception
    {
        final long c = log.appendedEndLsn();
        final List<CompletableFuture<Long>> writes = new ArrayList<>();
        final List<ByteBuffer> used = new ArrayList<>();
        for (int p = 1; p <= BUCKETS; p++)
        {
            final ByteBuffer b;
            final long lsn;
            synchronized (locks[p])
            {
                if (!dirty[p])
                {
                    continue;
                }
                b = pages.buffers().acquire();
                b.clear();
                b.put(memory[p].duplicate().clear()).clear();
                lsn = pageLsn[p];
                dirty[p] = false;
            }
            used.add(b);
            writes.add(pages.writePageAfter(log, lsn, p, b));
        }
        try
        {
            CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
            pages.barrier().get(60, TimeUnit.SECONDS);
            final ByteBuffer superblock = pages.buffers().acquire();
            used.add(superblock);
            superblock.clear();
            superblock.order(ByteOrder.LITTLE_ENDIAN).putLong(0, MAGIC).putLong(8, c);
            pages.writePage(0, superblock).get(60, TimeUnit.SECONDS);
            pages.barrier().get(60, TimeUnit.SECONDS);
            log.truncateBefore(c);
        }
        finally
        {
            for (final ByteBuffer b : used)
            {
                pages.buffers().release(b);
            }
        }
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            log.close();
        }
        finally
        {
            pages.close();
        }
    }

    /**
     * The child process of {@code DurableKvStoreTest}: opens the store in {@code args[0]} on engine {@code args[1]},
     * prints {@code READY}, then 8 threads put (thread t owns keys k with k % 8 == t; each key's values increase)
     * and get (each checks it reads its own last put), printing {@code ACK key value} once a put is durable, while
     * a checkpoint runs every 50 ms; until killed.
     */
    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false);
        final DurableKvStore kv = open(Paths.get(args[0]), args[1]);
        synchronized (out)
        {
            out.println("READY replayed=" + kv.replayed());
            out.flush();
        }
        final int threads = 8;
        for (int t = 0; t < threads; t++)
        {
            final int id = t;
            final Thread w = new Thread(() ->
            {
                final Random random = new Random(id);
                final long[] last = new long[256];
                try
                {
                    for (long n = 1; ; n++)
                    {
                        final int slot = random.nextInt(last.length);
                        final long key = (long)slot * threads + id;
                        final Long current = kv.get(key);
                        if (last[slot] != 0 && (current == null || current != last[slot]))
                        {
                            synchronized (out)
                            {
                                out.println("BAD key=" + key + " read=" + current + " expected=" + last[slot]);
                                out.flush();
                            }
                        }
                        final long value = (current == null ? 0 : current) + 1 + random.nextInt(5);
                        kv.put(key, value).get(60, TimeUnit.SECONDS);
                        last[slot] = value;
                        synchronized (out)
                        {
                            out.println("ACK " + key + " " + value);
                            if ((n & 7) == 0)
                            {
                                out.flush();
                            }
                        }
                    }
                }
                catch (final Exception e)
                {
                    synchronized (out)
                    {
                        out.println("ERROR " + e);
                        out.flush();
                    }
                }
            }, "kv-" + t);
            w.start();
        }
        while (true)
        {
            Thread.sleep(50);
            kv.checkpoint();
            synchronized (out)
            {
                out.flush();
            }
        }
    }
}
