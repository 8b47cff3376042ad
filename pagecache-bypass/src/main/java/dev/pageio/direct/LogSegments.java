package dev.pageio.direct;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;

/**
 * The segment room of a {@link LogFile}: the open segment files, and their preparation ahead of need on the log's
 * preparer thread. Segment {@code k} is created (fallocate, then zero-filled unless
 * {@link LogConfig#zeroFillSegments()} is off) or reused (a spare renamed), given a header with generation
 * {@code gen(k)}, fsynced (FULL: the file may have grown, docs/DURABILITY.md rule 9), and its directory synced.
 * Truncation renames whole segments to spares (up to {@link LogConfig#spareSegmentsMax()}) or deletes them.
 *
 * <p>Threading: {@link #file}, {@link #requestPrepare}, {@link #execute}: any thread; {@link #closeSegment}: the
 * agent; preparation and truncation run on the preparer thread (or at open, before the log is published).
 */
final class LogSegments
{
    private static final int ZERO_FILL_CHUNK_BYTES = 1 << 20;

    private final LogState state;
    private final Map<Long, IoFile> segments = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> segmentCloses = new ConcurrentLinkedQueue<>();
    private final ExecutorService preparer;
    private final AtomicLong preparedUpTo = new AtomicLong(-1);
    private final AtomicLong prepareRequested = new AtomicLong(-1);
    private final ArrayDeque<String> spares = new ArrayDeque<>();
    private int spareCounter;
    /** Runs after each preparation on the preparer thread (kicks the flusher); set once at construction of the log. */
    private Runnable onPrepared = () -> { };

    LogSegments(final LogState state)
    {
        this.state = state;
        this.preparer = Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread t = new Thread(runnable, "pageio-log-preparer");
            t.setDaemon(true);
            return t;
        });
    }

    void onPrepared(final Runnable hook)
    {
        this.onPrepared = hook;
    }

    /** @return segment {@code k}'s file when prepared and open, else null. Any thread. */
    IoFile file(final long k)
    {
        return segments.get(k);
    }

    /** Adopts the spares found at open. */
    void addSpares(final List<String> names)
    {
        for (final String s : names)
        {
            spares.add(s);
            spareCounter = Math.max(spareCounter, spareNumber(s) + 1);
        }
    }

    private static int spareNumber(final String name)
    {
        try
        {
            return Integer.parseInt(name.substring(6, name.length() - 4));
        }
        catch (final NumberFormatException e)
        {
            return 0;
        }
    }

    /** Renames a segment file to a spare name (preparer thread, or open). */
    void makeSpare(final long k) throws IOException
    {
        final String spare = "spare-" + (spareCounter++) + ".log";
        state.storage.rename(LogFrameDescriptor.segmentName(k), spare);
        synchronized (spares)
        {
            spares.add(spare);
        }
    }

    /** @return where segment preparation is; for messages. */
    String describe()
    {
        return "preparedUpTo=" + preparedUpTo.get() + " prepareRequested=" + prepareRequested.get();
    }

    /**
     * Makes segment {@code k} ready: created (preallocated) or reused (a spare renamed, or, at open, the existing
     * file of that name), a header with generation {@code gen(k)} written and fsynced, the directory synced.
     */
    void prepare(final long k, final boolean atOpen) throws IOException
    {
        final LogStorage storage = state.storage;
        final String name = LogFrameDescriptor.segmentName(k);
        IoFile f;
        boolean created = false;
        if (atOpen && storage.names().contains(name))
        {
            f = storage.open(name);
        }
        else
        {
            String spare;
            synchronized (spares)
            {
                spare = spares.poll();
            }
            if (spare != null)
            {
                storage.rename(spare, name);
                f = storage.open(name);
            }
            else
            {
                f = storage.create(name, state.segmentBytes);
                created = true;
            }
        }
        try
        {
            if (created && state.config.zeroFillSegments())
            {
                zeroFill(f, name);
            }
            final ByteBuffer header = ByteBuffer.allocateDirect(2 * HEADER_BLOCK_BYTES).alignedSlice(HEADER_BLOCK_BYTES);
            header.limit(HEADER_BLOCK_BYTES);
            LogFrameDescriptor.putSegmentHeader(header, k, state.generation(k), state.segmentBytes);
            LogIo.await(() -> f.write(0, header), "write segment header: segment=" + name);
            // FULL: the file may have been created and preallocated just now (docs/DURABILITY.md rule 9). On an
            // O_DSYNC file (SyncMode.DSYNC) it completes with no sync (rule 10): each write above was durable at its
            // completion, with the metadata needed to read it back (the size and extents fallocate set included:
            // an O_DSYNC write commits the journal transaction that holds them first).
            LogIo.await(() -> f.barrier(BarrierMode.FULL), "sync segment: segment=" + name);
            storage.syncDirectory();
        }
        catch (final IOException | RuntimeException e)
        {
            f.closeAsync();
            throw e;
        }
        segments.put(k, f);
        preparedUpTo.accumulateAndGet(k, Math::max);
    }

    /**
     * Writes zeros over a new segment's data area (the preparer's thread, before the header and its fsync). A
     * fallocated range is "unwritten" on ext4 and XFS: the first write to each block converts its extent, which is
     * metadata, so the fdatasync after it must commit the filesystem journal; over written zeros, a flush's
     * fdatasync has only data to flush. PostgreSQL zero-fills new WAL segments for this reason
     * ({@code wal_init_zero}). Reused segments were written before and are not filled again.
     */
    private void zeroFill(final IoFile f, final String name) throws IOException
    {
        final long segmentBytes = state.segmentBytes;
        final int chunkBytes = (int)Math.min(ZERO_FILL_CHUNK_BYTES, state.dataBytes);
        final ByteBuffer zeros = ByteBuffer.allocateDirect(chunkBytes + HEADER_BLOCK_BYTES)
            .alignedSlice(HEADER_BLOCK_BYTES);
        for (long offset = HEADER_BLOCK_BYTES; offset < segmentBytes; offset += chunkBytes)
        {
            final long at = offset;
            final ByteBuffer chunk = zeros.duplicate();
            chunk.limit((int)Math.min(chunkBytes, segmentBytes - offset));
            LogIo.await(() -> f.write(at, chunk), "zero-fill segment: segment=" + name + " offset=" + at);
        }
    }

    /** Asks the preparer for segment {@code k} (at most once per segment). Any thread. */
    void requestPrepare(final long k)
    {
        final long asked = prepareRequested.get();
        if (asked >= k || !prepareRequested.compareAndSet(asked, k))
        {
            return;
        }
        execute(() ->
        {
            try
            {
                if (state.failure == null && !state.closed.isDone())
                {
                    prepare(k, false);
                }
            }
            catch (final IOException | RuntimeException e)
            {
                state.poison(e);
            }
            onPrepared.run();
        });
    }

    /** @return false when the preparer no longer takes work (the log is closing). Any thread. */
    boolean execute(final Runnable task)
    {
        try
        {
            preparer.execute(task);
            return true;
        }
        catch (final RejectedExecutionException e)
        {
            return false;
        }
    }

    /** Closes segment {@code k}'s file (entirely durable, no flush on it in flight). Agent thread. */
    void closeSegment(final long k)
    {
        final IoFile f = segments.remove(k);
        if (f != null)
        {
            segmentCloses.add(f.closeAsync());
        }
    }

    /**
     * Removes the segments below the one holding {@code keepFromLsn}, on the preparer thread; blocks the caller.
     *
     * @return the new start LSN.
     */
    long truncateBefore(final long lsn) throws IOException, InterruptedException
    {
        final Future<Long> done = preparer.submit(() ->
        {
            // The agent's current segment is never removed: durableLsn is below what was issued, so its segment
            // is at most the current one, whose file stays open (removal of an open file is safe on Linux anyway).
            final long keepFrom = Math.min(lsn, state.durableLsn) / state.dataBytes;
            final List<Long> below = new ArrayList<>();
            for (final String name : state.storage.names())
            {
                final long k = LogFrameDescriptor.parseSegmentName(name);
                if (k >= 0 && k < keepFrom)
                {
                    below.add(k);
                }
            }
            below.sort(null);
            int spareCount;
            synchronized (spares)
            {
                spareCount = spares.size();
            }
            for (final long k : below)
            {
                if (spareCount < state.config.spareSegmentsMax())
                {
                    makeSpare(k);
                    spareCount++;
                }
                else
                {
                    state.storage.delete(LogFrameDescriptor.segmentName(k));
                }
            }
            long newStart = state.startLsn;
            if (!below.isEmpty())
            {
                state.storage.syncDirectory();
                newStart = Math.max(newStart, keepFrom * state.dataBytes);
                state.startLsn = newStart;
            }
            return newStart;
        });
        try
        {
            return done.get();
        }
        catch (final ExecutionException e)
        {
            throw e.getCause() instanceof IOException ? (IOException)e.getCause() :
                new IOException("truncate failed: lsn=" + lsn, e.getCause());
        }
    }

    /** Stops the preparer and closes every segment file, waiting up to 10 s for each (close's end). */
    void shutdown()
    {
        preparer.shutdown();
        try
        {
            preparer.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        final List<CompletableFuture<Void>> closes = new ArrayList<>();
        for (final IoFile f : segments.values())
        {
            closes.add(f.closeAsync());
        }
        closes.addAll(segmentCloses);
        segments.clear();
        for (final CompletableFuture<Void> c : closes)
        {
            try
            {
                c.get(10, TimeUnit.SECONDS);
            }
            catch (final ExecutionException | TimeoutException e)
            {
                // Reported through the log's own failure, or harmless (a barrier of a poisoned file).
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
