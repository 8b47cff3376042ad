package dev.pageio.direct;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.Errno;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoOp;
import dev.pageio.core.IoRing;
import dev.pageio.core.QueueFullException;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import static dev.pageio.direct.LogFrameDescriptor.CRC_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.FRAME_HEADER_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.HEADER_BLOCK_BYTES;
import static dev.pageio.direct.LogFrameDescriptor.INT;
import static dev.pageio.direct.LogFrameDescriptor.LSN_OFFSET;
import static dev.pageio.direct.LogFrameDescriptor.PAD_FLAG;

/**
 * A write-ahead log on O_DIRECT segment files: concurrent appends, group commit by LSN, recovery that finds the
 * true end. The format is in {@link LogFrameDescriptor}.
 *
 * <h2>Append</h2>
 * {@link #append(ByteBuffer)} from any thread claims space with one CAS on the log's tail (as Aeron's term
 * appender claims a term: the position is the record's LSN), copies the record into an aligned in-memory log
 * buffer, computes its CRC32C and publishes it by writing its length last (release). No lock, no allocation. A
 * record never crosses a segment end nor a multiple of the buffer size: the appender that would cross one pads
 * up to it first. When the buffer is full the append waits up to {@link LogConfig#appendTimeoutNs()} and then
 * refuses with {@link LogFullException}; {@link #tryAppend} refuses at once. A record is never dropped.
 *
 * <h2>Commit</h2>
 * {@link #commit(long, IoHandler, Object, long)} completes once the record at that LSN, and every one before it,
 * is on stable storage. The flusher runs on the ring's agent thread (woken by a NOP through the ring, never by a
 * thread of its own): it scans the published records, writes the blocks from the last written one (the partial
 * tail block is rewritten as it grows: O_DIRECT writes nothing smaller) in <em>one</em> write, and issues
 * <em>one</em> barrier covering exactly that write ({@code IoFile.barrierCovering} with the sequence number the
 * write returned; docs/DURABILITY.md, DATA mode: segments are preallocated and synced) that serves every
 * committer whose record is in it. Writes never overlap; barriers of up to {@link LogConfig#flushesInFlightMax()}
 * flushes are in flight at once (pipelined, rule 4), and commits are acknowledged in LSN order. No allocation
 * per append or per handler-form commit in the steady state (waiters are recycled).
 *
 * <p>Back-pressure from a full ring (a shared one) is never a failure: a flush that cannot be issued waits for the
 * next completion, a kick the ring refused is retried on the log's preparer thread, and the log's blocking steps
 * retry until their deadline ({@code LogIo}).
 *
 * <h2>Segments</h2>
 * The next segment is created (fallocate, then zero-filled unless {@link LogConfig#zeroFillSegments()} is off) or
 * reused (a truncated one, renamed), given a header with a new
 * generation, fsynced, and its directory synced, on the log's preparer thread ahead of need. A reused segment's
 * old bytes fail the CRC of the new generation, so they are never read as records. {@link #truncateBefore}
 * removes whole segments below an LSN (after a checkpoint).
 *
 * <h2>Recovery</h2>
 * {@link #open} reads the log from its first segment with a {@link LogReader} to the first invalid frame: that is
 * the recovered end ({@link #recoveredEndLsn()}). It never appends after an end it did not write: it starts a
 * fresh segment (new generation, synced) and then seals the old tail with a padding frame (synced), so bytes
 * left beyond the end (records never acknowledged) can never become part of the log. Appends go on from
 * {@link #firstLsn()}.
 *
 * <h2>Failure</h2>
 * A failed write or sync poisons the log for good (sticky, docs/DURABILITY.md rule 5): pending and later commits fail
 * with the first cause, appends throw {@link LogFailedException}. Reopen to recover.
 *
 * <p>Threading: every public method from any thread. Commit handlers run on the ring's agent thread (or on the
 * caller's thread when the record is durable already, or the log failed) and must not block.
 */
public final class LogFile implements AutoCloseable
{
    /** {@link #tryAppend} returns this when the buffer has no space now. */
    public static final long BACK_PRESSURED = -1;

    private static final long CLOSED_BIT = Long.MIN_VALUE;
    private static final long CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int ZERO_FILL_CHUNK_BYTES = 1 << 20;

    private final LogConfig config;
    private final LogStorage storage;
    private final IoRing ring;
    private final boolean ownsRing;
    private final LogBreakage breakage;
    private final long segmentBytes;
    private final long dataBytes;
    private int blockBytes;
    private final AtomicLong handlerErrors = new AtomicLong();
    private final ByteBuffer buffer;
    private final int bufferBytes;
    private final int bufferMask;
    private final int maxRecordBytes;
    private final int generationBase;
    private final long firstSegment;
    private final long firstLsn;
    private final long recoveredEndLsn;
    private final String recoveredEndReason;
    private volatile long startLsn;

    // ------------------------------------------------------------------------------ shared with appenders
    /** Next LSN to claim; {@link #CLOSED_BIT} set once closed. */
    private final AtomicLong tail;
    /** Buffer space below this LSN is free (written out and zeroed). Agent writes, appenders read. */
    private volatile long freeLsn;
    /** Every record below this LSN is durable. Agent writes. */
    private volatile long durableLsn;
    private volatile Throwable failure;
    private volatile boolean spaceWanted;
    private final AtomicInteger waitersPending = new AtomicInteger();
    private final AtomicInteger kickState = new AtomicInteger();
    private volatile IoFile kickFile;
    /**
     * Committers waiting to be seen by the flusher: an intrusive Treiber stack (push: CAS on the head, any thread;
     * the agent takes the whole stack with one getAndSet). No node is allocated per push and no chunk is ever
     * dropped, unlike an unbounded linked-array queue; there is no pop of single nodes, so no ABA.
     */
    private final AtomicReference<Waiter> waiters = new AtomicReference<>();
    /** Recycled waiters: offered by the agent, polled by committers. */
    private final MpmcVarHandleArrayQueue<Waiter> waiterPool = new MpmcVarHandleArrayQueue<>(4096);
    private final ThreadLocal<Scratch> scratch;

    // -------------------------------------------------------------------------------- agent thread only
    private final ArrayList<Waiter> pending = new ArrayList<>();
    private final Flush[] flushes;
    private int flushHead;
    private int flushCount;
    private boolean writeInFlight;
    private long scanPos;
    private long coverIssued;
    private long currentSegment = -1;
    private IoFile currentFile;
    private long oldestOpenSegment;
    private final ByteBuffer writeA;
    private final ByteBuffer writeB;
    private final ByteBuffer[] writePair;
    private volatile boolean closing;
    /** Flushes issued (one write + one barrier each) and bytes they wrote. Agent writes, anyone reads. */
    private volatile long flushesIssued;
    private volatile long bytesWritten;
    private long finalTail = -1;

    // ----------------------------------------------------------------------------------------- segments
    private final Map<Long, IoFile> segments = new ConcurrentHashMap<>();
    private final Queue<CompletableFuture<Void>> segmentCloses = new ConcurrentLinkedQueue<>();
    private final ExecutorService preparer;
    private final AtomicLong preparedUpTo = new AtomicLong(-1);
    private final AtomicLong prepareRequested = new AtomicLong(-1);
    private final ArrayDeque<String> spares = new ArrayDeque<>();
    private int spareCounter;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicInteger closeState = new AtomicInteger();

    /** One flush: a write and the barrier after it. Agent thread. */
    private static final class Flush
    {
        long cover;
        long from;
        long writeEnd;
        /** The write's sequence number in {@link #file}: the flush's barrier covers up to it, no further. */
        long writeSeq;
        boolean writeDone;
        boolean synced;
        boolean barrierIssued;
        IoFile file;
    }

    /** A committer waiting for its LSN. */
    private static final class Waiter
    {
        /** The next node of the {@link #waiters} stack; published by the CAS that pushes this one. */
        Waiter next;
        long lsn;
        IoHandler<Object> handler;
        Object attachment;
        long token;
    }

    /** Per appender thread: its CRC and its view of the buffer. */
    private static final class Scratch
    {
        final CRC32C crc = new CRC32C();
        final ByteBuffer view;

        Scratch(final ByteBuffer buffer)
        {
            view = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** Recovery findings handed to the constructor. */
    private static final class Recovery
    {
        long startLsn;
        long endLsn;
        long firstSegment;
        int generationBase;
        String endReason;
    }

    private LogFile(final LogConfig config, final LogStorage storage, final boolean ownsRing, final Recovery r,
        final ExecutorService preparer)
    {
        this.config = config;
        this.storage = storage;
        this.ring = storage.ring();
        this.ownsRing = ownsRing;
        this.breakage = config.breakage;
        this.segmentBytes = config.segmentBytes();
        this.dataBytes = segmentBytes - HEADER_BLOCK_BYTES;
        this.bufferBytes = config.bufferBytes();
        this.bufferMask = bufferBytes - 1;
        this.maxRecordBytes = maxRecordBytes(config);
        this.generationBase = r.generationBase;
        this.firstSegment = r.firstSegment;
        this.firstLsn = r.firstSegment * dataBytes;
        this.recoveredEndLsn = r.endLsn;
        this.recoveredEndReason = r.endReason;
        this.startLsn = r.startLsn;
        this.preparer = preparer;
        this.buffer = ByteBuffer.allocateDirect(bufferBytes + 4096).alignedSlice(4096).order(ByteOrder.LITTLE_ENDIAN);
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(buffer));
        this.tail = new AtomicLong(firstLsn);
        this.freeLsn = firstLsn;
        this.durableLsn = firstLsn;
        this.scanPos = firstLsn;
        this.coverIssued = firstLsn;
        this.oldestOpenSegment = firstSegment;
        this.flushes = new Flush[config.flushesInFlightMax()];
        for (int i = 0; i < flushes.length; i++)
        {
            flushes[i] = new Flush();
        }
        this.writeA = buffer.duplicate();
        this.writeB = buffer.duplicate();
        this.writePair = new ByteBuffer[] {writeA, writeB};
        this.pending.ensureCapacity(1024);
    }

    static int maxRecordBytes(final LogConfig config)
    {
        return (int)Math.min(config.bufferBytes() / 2, config.segmentBytes() - HEADER_BLOCK_BYTES) -
            FRAME_HEADER_BYTES;
    }

    // ---------------------------------------------------------------------------------------------- open

    /**
     * Opens (or creates) the log in a directory and recovers it: finds the true end and starts a fresh segment.
     *
     * @param directory the log's directory (created when missing).
     * @param config    segment and buffer sizes, engine, policy.
     * @return the log, ready for appends.
     * @throws IOException when a file cannot be opened, created or synced, or the existing log has another
     *                     segment size than configured.
     */
    public static LogFile open(final Path directory, final LogConfig config) throws IOException
    {
        IoRing ring = config.ring();
        final boolean ownsRing = ring == null;
        if (ownsRing)
        {
            ring = IoRing.open(config.ringConfig());
        }
        try
        {
            return open(new DirectoryLogStorage(directory, ring, config.policy()), config, ownsRing);
        }
        catch (final IOException | RuntimeException e)
        {
            if (ownsRing)
            {
                ring.close();
            }
            throw e;
        }
    }

    /** Opens the log on any storage (the simulated device in tests). */
    static LogFile open(final LogStorage storage, final LogConfig config, final boolean ownsRing) throws IOException
    {
        final long segmentBytes = config.segmentBytes();
        final long dataBytes = segmentBytes - HEADER_BLOCK_BYTES;
        final TreeMap<Long, Integer> valid = new TreeMap<>();
        final List<Long> invalid = new ArrayList<>();
        final List<String> spareNames = new ArrayList<>();
        int maxGeneration = 0;
        final ByteBuffer block = ByteBuffer.allocateDirect(2 * HEADER_BLOCK_BYTES).alignedSlice(HEADER_BLOCK_BYTES);
        block.limit(HEADER_BLOCK_BYTES);
        for (final String name : storage.names())
        {
            if (LogFrameDescriptor.isSpareName(name))
            {
                spareNames.add(name);
                continue;
            }
            final long k = LogFrameDescriptor.parseSegmentName(name);
            if (k < 0)
            {
                continue;
            }
            final IoFile f = storage.open(name);
            try
            {
                block.clear().limit(HEADER_BLOCK_BYTES);
                for (int i = 0; i < HEADER_BLOCK_BYTES; i++)
                {
                    block.put(i, (byte)0);
                }
                LogIo.await(() -> f.read(0, block), "read segment header: segment=" + name);
            }
            finally
            {
                f.close();
            }
            block.clear().limit(HEADER_BLOCK_BYTES);
            final long recorded = LogFrameDescriptor.headerSegmentBytes(block);
            if (recorded > 0 && recorded != segmentBytes)
            {
                throw new IOException("log segment size differs from the configuration: segment=" + name +
                    " segmentBytes=" + recorded + " configured=" + segmentBytes + " directory=" + storage.describe());
            }
            final Integer g = LogFrameDescriptor.segmentGeneration(block, k, segmentBytes);
            if (g == null)
            {
                invalid.add(k);
            }
            else
            {
                valid.put(k, g);
                maxGeneration = Math.max(maxGeneration, g);
            }
        }
        final Recovery r = new Recovery();
        r.generationBase = maxGeneration + 1;
        if (valid.isEmpty())
        {
            r.startLsn = 0;
            r.endLsn = 0;
            r.endReason = "empty";
        }
        else
        {
            final long s0 = valid.firstKey();
            r.startLsn = s0 * dataBytes;
            try (LogReader reader = new LogReader(storage, segmentBytes, r.startLsn, Long.MAX_VALUE, config.breakage))
            {
                while (reader.next())
                {
                    // Recovery only needs the end; the caller reads the records through reader().
                }
                r.endLsn = reader.endLsn();
                r.endReason = reader.endReason();
            }
        }
        final long endSegment = r.endLsn / dataBytes;
        final boolean seal = r.endLsn % dataBytes != 0;
        r.firstSegment = seal ? endSegment + 1 : endSegment;
        if (!seal && valid.isEmpty())
        {
            r.startLsn = r.firstSegment * dataBytes;
        }
        // Segments beyond the end (never part of the log) and invalid ones are spares: never trusted, renamed and
        // given a new generation before any reuse.
        final ExecutorService preparer = Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread t = new Thread(runnable, "pageio-log-preparer");
            t.setDaemon(true);
            return t;
        });
        final LogFile log = new LogFile(config, storage, ownsRing, r, preparer);
        try
        {
            for (final String s : spareNames)
            {
                log.spares.add(s);
                log.spareCounter = Math.max(log.spareCounter, spareNumber(s) + 1);
            }
            for (final long k : valid.keySet())
            {
                if (k > endSegment && k != r.firstSegment)
                {
                    log.makeSpare(k);
                }
            }
            for (final long k : invalid)
            {
                if (k != r.firstSegment)
                {
                    log.makeSpare(k);
                }
            }
            storage.syncDirectory();
            log.prepare(r.firstSegment, true);
            log.blockBytes = storage.blockBytes();
            if (seal)
            {
                log.seal(r.endLsn, valid.get(endSegment));
            }
            log.kickFile = log.segments.get(r.firstSegment);
            log.requestPrepare(r.firstSegment + 1);
            return log;
        }
        catch (final IOException | RuntimeException e)
        {
            log.abandon();
            throw e;
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
    private void makeSpare(final long k) throws IOException
    {
        final String spare = "spare-" + (spareCounter++) + ".log";
        storage.rename(LogFrameDescriptor.segmentName(k), spare);
        synchronized (spares)
        {
            spares.add(spare);
        }
    }

    /** Writes a padding frame from the recovered end to the end of its segment, and syncs it. */
    private void seal(final long endLsn, final int generation) throws IOException
    {
        final long k = endLsn / dataBytes;
        final IoFile f = storage.open(LogFrameDescriptor.segmentName(k));
        try
        {
            final long inSegment = endLsn - k * dataBytes;
            final long blockStart = inSegment & -(long)blockBytes;
            final ByteBuffer b = ByteBuffer.allocateDirect(2 * blockBytes).alignedSlice(blockBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
            b.limit(blockBytes);
            LogIo.await(() -> f.read(HEADER_BLOCK_BYTES + blockStart, b), "read tail block: segment=" + k);
            b.clear().limit(blockBytes);
            final int at = (int)(inSegment - blockStart);
            for (int i = at; i < blockBytes; i++)
            {
                b.put(i, (byte)0);
            }
            b.putLong(at + LSN_OFFSET, endLsn);
            final ByteBuffer view = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(at + CRC_OFFSET, LogFrameDescriptor.frameCrc(view, new CRC32C(), at, FRAME_HEADER_BYTES,
                generation));
            b.putInt(at, PAD_FLAG | (int)(dataBytes - inSegment));
            b.clear().limit(blockBytes);
            LogIo.await(() -> f.write(HEADER_BLOCK_BYTES + blockStart, b), "write seal: segment=" + k);
            LogIo.await(() -> f.barrier(BarrierMode.DATA), "sync seal: segment=" + k);
        }
        finally
        {
            f.close();
        }
    }

    /**
     * Makes segment {@code k} ready: created (preallocated) or reused (a spare renamed, or, at open, the existing
     * file of that name), a header with generation {@code gen(k)} written and fsynced, the directory synced.
     */
    private void prepare(final long k, final boolean atOpen) throws IOException
    {
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
                f = storage.create(name, segmentBytes);
                created = true;
            }
        }
        try
        {
            if (created && config.zeroFillSegments())
            {
                zeroFill(f, name);
            }
            final ByteBuffer header = ByteBuffer.allocateDirect(2 * HEADER_BLOCK_BYTES).alignedSlice(HEADER_BLOCK_BYTES);
            header.limit(HEADER_BLOCK_BYTES);
            LogFrameDescriptor.putSegmentHeader(header, k, generation(k), segmentBytes);
            LogIo.await(() -> f.write(0, header), "write segment header: segment=" + name);
            // FULL: the file may have been created and preallocated just now (docs/DURABILITY.md rule 9).
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
        final int chunkBytes = (int)Math.min(ZERO_FILL_CHUNK_BYTES, dataBytes);
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
    private void requestPrepare(final long k)
    {
        final long asked = prepareRequested.get();
        if (asked >= k || !prepareRequested.compareAndSet(asked, k))
        {
            return;
        }
        try
        {
            preparer.execute(() ->
            {
                try
                {
                    if (failure == null && !closed.isDone())
                    {
                        prepare(k, false);
                    }
                }
                catch (final IOException | RuntimeException e)
                {
                    poison(e);
                }
                kick();
            });
        }
        catch (final RejectedExecutionException e)
        {
            // Closing.
        }
    }

    private int generation(final long k)
    {
        return generationBase + (int)(k - firstSegment);
    }

    // -------------------------------------------------------------------------------------------- queries

    /** @return the configuration. */
    public LogConfig config()
    {
        return config;
    }

    /** @return the ring the log writes through. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return the largest record {@link #append} accepts, in bytes (larger ones are refused, never split). */
    public int maxRecordBytes()
    {
        return maxRecordBytes;
    }

    /** @return the LSN of the oldest record kept (the start of the first segment). */
    public long startLsn()
    {
        return startLsn;
    }

    /** @return where recovery found the valid log to end when this log was opened. */
    public long recoveredEndLsn()
    {
        return recoveredEndLsn;
    }

    /** @return why recovery found the log to end there (as {@link LogReader#endReason()}; "empty" for a new log). */
    public String recoveredEndReason()
    {
        return recoveredEndReason;
    }

    /** @return the LSN of the first record appended since open (a fresh segment after the recovered end). */
    public long firstLsn()
    {
        return firstLsn;
    }

    /** @return the LSN the next append would get (past every claimed record). */
    public long appendedEndLsn()
    {
        return tail.get() & ~CLOSED_BIT;
    }

    /** @return every record below this LSN is durable. */
    public long durableLsn()
    {
        return durableLsn;
    }

    /** @return the failure that poisoned the log, or null. */
    public Throwable failure()
    {
        return failure;
    }

    /** @return flushes issued so far: each one write and one barrier (so at most one sync). Approximate. */
    public long flushes()
    {
        return flushesIssued;
    }

    /** @return bytes the flushes wrote (tail blocks rewritten count again). Approximate. */
    public long bytesWritten()
    {
        return bytesWritten;
    }

    /** @return commit handlers that threw (their exceptions are not the log's; the flusher went on). */
    public long handlerErrors()
    {
        return handlerErrors.get();
    }

    /** @return write granularity in bytes (the O_DIRECT block). */
    public int blockBytes()
    {
        return blockBytes;
    }

    /**
     * A reader of the records from {@code fromLsn} (a record's LSN, or {@link #startLsn()}) up to the records durable
     * now: recovered ones, and those committed since open.
     *
     * @param fromLsn where to start.
     * @return the reader; blocking, one thread.
     */
    public LogReader reader(final long fromLsn)
    {
        if (fromLsn < startLsn)
        {
            throw new IllegalArgumentException("lsn before the log's start: lsn=" + fromLsn + " startLsn=" + startLsn);
        }
        final long limit = durableLsn > firstLsn ? durableLsn : recoveredEndLsn;
        return new LogReader(storage, segmentBytes, fromLsn, Math.max(limit, fromLsn), breakage);
    }

    // ------------------------------------------------------------------------------------------------ append

    /**
     * Appends a record: {@code src}'s bytes from its position to its limit (left unchanged). Returns once the
     * record is in the log buffer; {@link #commit} makes it durable.
     *
     * @param src the record, 0 to {@link #maxRecordBytes()} bytes.
     * @return the record's LSN.
     * @throws IllegalArgumentException when the record is larger than {@link #maxRecordBytes()}.
     * @throws LogFullException         when the buffer stayed full for the append timeout.
     * @throws LogClosedException       after close.
     * @throws LogFailedException       after a write or sync of the log failed.
     */
    public long append(final ByteBuffer src)
    {
        return append(src, true);
    }

    /**
     * {@link #append(ByteBuffer)} that refuses at once when the buffer is full.
     *
     * @param src the record.
     * @return the record's LSN, or {@link #BACK_PRESSURED} (nothing appended).
     */
    public long tryAppend(final ByteBuffer src)
    {
        return append(src, false);
    }

    private long append(final ByteBuffer src, final boolean wait)
    {
        final int length = src.remaining();
        if (length > maxRecordBytes)
        {
            throw new IllegalArgumentException("record too large: length=" + length + " limit=" + maxRecordBytes +
                " (records are refused, not split; limit = min(bufferBytes/2, segmentBytes-4096) - 16)");
        }
        final int frameLength = FRAME_HEADER_BYTES + length;
        final int claim = LogFrameDescriptor.align(frameLength);
        long deadlineNs = 0;
        int idle = 0;
        while (true)
        {
            final long t = tail.get();
            if (t < 0)
            {
                throw new LogClosedException("log closed: append refused: length=" + length);
            }
            final Throwable f = failure;
            if (f != null)
            {
                throw new LogFailedException("log failed: append refused: length=" + length + " cause=" + f, f);
            }
            final long limit = boundary(t);
            final boolean pad = t + claim > limit;
            final long next = pad ? limit : t + claim;
            if (next - freeLsn > bufferBytes)
            {
                spaceWanted = true;
                kick();
                if (!wait)
                {
                    return BACK_PRESSURED;
                }
                final long now = System.nanoTime();
                if (deadlineNs == 0)
                {
                    deadlineNs = now + config.appendTimeoutNs();
                }
                else if (now - deadlineNs >= 0)
                {
                    throw new LogFullException("log buffer full: length=" + length + " bufferBytes=" + bufferBytes +
                        " timeoutNs=" + config.appendTimeoutNs() + " durableLsn=" + durableLsn + " tail=" + t);
                }
                idle = backOff(idle);
                continue;
            }
            if (!tail.compareAndSet(t, next))
            {
                continue;
            }
            if (pad)
            {
                writePad(t, limit);
                continue;
            }
            writeFrame(t, src, length, frameLength);
            if (waitersPending.get() > 0 || spaceWanted)
            {
                // A committer may be waiting for this record (or one after it) to be published.
                kick();
            }
            return t;
        }
    }

    private static int backOff(final int idle)
    {
        if (idle < 10)
        {
            Thread.onSpinWait();
        }
        else if (idle < 20)
        {
            Thread.yield();
        }
        else
        {
            LockSupport.parkNanos(Math.min(1_000_000L, 1_000L << Math.min(10, idle - 20)));
        }
        return idle + 1;
    }

    /** @return the first boundary a frame starting at {@code lsn} must not cross: segment end or buffer wrap. */
    private long boundary(final long lsn)
    {
        final long segmentEnd = (lsn / dataBytes + 1) * dataBytes;
        final long bufferEnd = (lsn & ~(long)bufferMask) + bufferBytes;
        return Math.min(segmentEnd, bufferEnd);
    }

    private void writeFrame(final long lsn, final ByteBuffer src, final int length, final int frameLength)
    {
        final Scratch s = scratch.get();
        final ByteBuffer view = s.view;
        final int at = (int)(lsn & bufferMask);
        view.put(at + FRAME_HEADER_BYTES, src, src.position(), length);
        view.putLong(at + LSN_OFFSET, lsn);
        final int crc = LogFrameDescriptor.frameCrc(view, s.crc, at, frameLength, generation(lsn / dataBytes));
        view.putInt(at + CRC_OFFSET, crc);
        // release: the frame's bytes are visible before its length, which the flusher reads with acquire.
        INT.setRelease(buffer, at, frameLength);
    }

    private void writePad(final long lsn, final long limit)
    {
        final Scratch s = scratch.get();
        final ByteBuffer view = s.view;
        final int at = (int)(lsn & bufferMask);
        view.putLong(at + LSN_OFFSET, lsn);
        final int crc = LogFrameDescriptor.frameCrc(view, s.crc, at, FRAME_HEADER_BYTES, generation(lsn / dataBytes));
        view.putInt(at + CRC_OFFSET, crc);
        // release: as for a frame.
        INT.setRelease(buffer, at, PAD_FLAG | (int)(limit - lsn));
    }

    // ------------------------------------------------------------------------------------------------ commit

    /**
     * Calls {@code handler.completed(durableLsn, …)} once the record at {@code lsn} and every record before it are
     * on stable storage; {@code handler.failed} when the log failed (now or before).
     *
     * @param lsn        a record's LSN, as {@link #append} returned it.
     * @param handler    called once: on the ring's agent thread, or at once on this thread when already durable.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     * @throws IllegalArgumentException when {@code lsn} was not appended yet (or is negative).
     * @throws LogClosedException       after close.
     */
    @SuppressWarnings("unchecked")
    public <A> void commit(final long lsn, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        if (handler == null)
        {
            throw new NullPointerException("handler null: lsn=" + lsn);
        }
        final long t = tail.get();
        if (closed.isDone())
        {
            throw new LogClosedException("log closed: commit refused: lsn=" + lsn);
        }
        final long appended = t & ~CLOSED_BIT;
        if (lsn < 0 || lsn >= appended)
        {
            throw new IllegalArgumentException("lsn not appended: lsn=" + lsn + " appendedEndLsn=" + appended);
        }
        final Throwable f = failure;
        if (f != null)
        {
            handler.failed(asIoFailure(f), attachment, token);
            return;
        }
        if (lsn < durableLsn)
        {
            handler.completed(durableLsn, attachment, token);
            return;
        }
        Waiter w = waiterPool.relaxedPoll();
        if (w == null)
        {
            w = new Waiter();
        }
        w.lsn = lsn;
        w.handler = (IoHandler<Object>)handler;
        w.attachment = attachment;
        w.token = token;
        waitersPending.incrementAndGet();
        Waiter head;
        do
        {
            head = waiters.get();
            w.next = head;
        }
        // release (the CAS): the waiter's fields are visible to the agent's getAndSet, which takes the stack.
        while (!waiters.compareAndSet(head, w));
        kick();
    }

    /**
     * @param lsn a record's LSN.
     * @return completes with the durable LSN once the record is durable; see
     * {@link #commit(long, IoHandler, Object, long)}.
     */
    public CompletableFuture<Long> commit(final long lsn)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        commit(lsn, FUTURE, f, 0);
        return f;
    }

    private static final IoHandler<CompletableFuture<Long>> FUTURE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final CompletableFuture<Long> future, final long token)
        {
            future.complete(result);
        }

        @Override
        public void failed(final IoFailure failure, final CompletableFuture<Long> future, final long token)
        {
            future.completeExceptionally(failure);
        }
    };

    private IoFailure asIoFailure(final Throwable f)
    {
        if (f instanceof IoFailure)
        {
            return (IoFailure)f;
        }
        return IoFailure.of(IoOp.BARRIER, storage.describe(), -1, 0, 0, Errno.EIO, "log failed: " + f, f);
    }

    // ------------------------------------------------------------------------------------------- the flusher

    /**
     * Makes sure the flusher runs on the agent soon: one NOP through the ring at a time. Any thread; never throws
     * (an append that claimed its space must not fail after the fact) and never waits on the agent thread. When the
     * ring has no free slot (a submitter already waited {@code submitTimeoutNs}; the agent cannot wait at all), the
     * kick is handed to the log's preparer thread, which retries until the NOP is accepted or the log ends.
     */
    private void kick()
    {
        if (!kickState.compareAndSet(0, 1))
        {
            return;
        }
        if (!tryKick())
        {
            try
            {
                preparer.execute(this::kickUntilAccepted);
            }
            catch (final RejectedExecutionException e)
            {
                kickState.set(0); // the log is closing: nothing left to flush for
            }
        }
    }

    /** @return true when a NOP is on its way (or none is needed any more); false when the ring was full. */
    private boolean tryKick()
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            final IoFile f = kickFile;
            try
            {
                f.nop(KICK, this, 0);
                return true;
            }
            catch (final QueueFullException e)
            {
                return false;
            }
            catch (final IllegalStateException e)
            {
                // The file closed under us (an old segment, or the log closing): use the newest one, if any.
                if (f == kickFile)
                {
                    kickState.set(0);
                    return true;
                }
            }
        }
        kickState.set(0);
        return true;
    }

    /** The preparer's retry of a kick the ring had no room for: kickState stays 1 meanwhile (kicks coalesce). */
    private void kickUntilAccepted()
    {
        while (!closed.isDone() && !ring.isClosed())
        {
            if (tryKick())
            {
                return;
            }
            LockSupport.parkNanos(100_000);
        }
        kickState.set(0);
    }

    private static final IoHandler<LogFile> KICK = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final LogFile log, final long token)
        {
            log.kickState.set(0);
            log.work();
        }

        @Override
        public void failed(final IoFailure failure, final LogFile log, final long token)
        {
            log.kickState.set(0);
            log.work();
        }
    };

    private static final IoHandler<LogFile> WRITE_DONE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final LogFile log, final long token)
        {
            log.writeDone((int)token, null);
        }

        @Override
        public void failed(final IoFailure failure, final LogFile log, final long token)
        {
            log.writeDone((int)token, failure);
        }
    };

    private static final IoHandler<LogFile> SYNC_DONE = new IoHandler<>()
    {
        @Override
        public void completed(final long result, final LogFile log, final long token)
        {
            log.syncDone((int)token, null);
        }

        @Override
        public void failed(final IoFailure failure, final LogFile log, final long token)
        {
            log.syncDone((int)token, failure);
        }
    };

    /** The flusher's duty: agent thread only. */
    private void work()
    {
        // acquire (getAndSet): pairs with the committers' CAS; takes every waiter pushed so far at once.
        for (Waiter w = waiters.getAndSet(null); w != null; )
        {
            final Waiter next = w.next;
            w.next = null;
            pending.add(w);
            w = next;
        }
        if (failure != null)
        {
            failPending();
            retireUnissuedBarriers();
            finishCloseIfDone();
            return;
        }
        retryBarriers();
        completePending();
        closeOldSegments();
        if (!writeInFlight && flushCount < flushes.length)
        {
            scan();
            if (scanPos > coverIssued && (!pending.isEmpty() || spaceWanted || closing ||
                scanPos - coverIssued >= bufferBytes / 4))
            {
                issueFlush();
            }
        }
        finishCloseIfDone();
    }

    private void scan()
    {
        final long t = tail.get() & ~CLOSED_BIT;
        long p = scanPos;
        while (p < t)
        {
            // acquire: pairs with the appender's release of the length; the frame's bytes are visible.
            final int length = (int)INT.getAcquire(buffer, (int)(p & bufferMask));
            if (length == 0)
            {
                break;
            }
            p += (length & PAD_FLAG) != 0 ? length & ~PAD_FLAG : LogFrameDescriptor.align(length);
        }
        scanPos = p;
    }

    private void issueFlush()
    {
        final long from = coverIssued & -(long)blockBytes;
        final long k = from / dataBytes;
        final long segmentEnd = (k + 1) * dataBytes;
        final long cover = Math.min(scanPos, segmentEnd);
        if (k != currentSegment)
        {
            final IoFile f = segments.get(k);
            if (f == null)
            {
                requestPrepare(k);
                return;
            }
            currentSegment = k;
            currentFile = f;
            kickFile = f;
            requestPrepare(k + 1);
        }
        final long writeEnd = Math.min(segmentEnd, (cover + blockBytes - 1) & -(long)blockBytes);
        final int length = (int)(writeEnd - from);
        final int at = (int)(from & bufferMask);
        final long fileOffset = HEADER_BLOCK_BYTES + (from - k * dataBytes);
        final int slot = (flushHead + flushCount) % flushes.length;
        final Flush flush = flushes[slot];
        flush.cover = cover;
        flush.from = from;
        flush.writeEnd = writeEnd;
        flush.writeDone = false;
        flush.synced = false;
        flush.barrierIssued = false;
        flush.file = currentFile;
        try
        {
            if (at + length <= bufferBytes)
            {
                writeA.limit(at + length).position(at);
                flush.writeSeq = currentFile.write(fileOffset, writeA, WRITE_DONE, this, slot);
            }
            else
            {
                writeA.limit(bufferBytes).position(at);
                writeB.limit(length - (bufferBytes - at)).position(0);
                flush.writeSeq = currentFile.writev(fileOffset, writePair, WRITE_DONE, this, slot);
            }
        }
        catch (final QueueFullException e)
        {
            // Nothing issued. The ring may be full of other files' requests, whose completions do not run the
            // flusher: a kick (retried off the agent until the ring takes it) runs it again.
            kick();
            return;
        }
        catch (final RuntimeException e)
        {
            poison(e);
            return;
        }
        writeInFlight = true;
        flushCount++;
        coverIssued = cover;
        flushesIssued++;
        bytesWritten += length;
        spaceWanted = false;
        issueBarrier(flush, slot);
    }

    private void issueBarrier(final Flush flush, final int slot)
    {
        try
        {
            // S = this flush's write: a barrier that is not held back by a later flush's write (rule 3).
            flush.file.barrierCovering(flush.writeSeq, BarrierMode.DATA, SYNC_DONE, this, slot);
            flush.barrierIssued = true;
        }
        catch (final QueueFullException e)
        {
            // retried by retryBarriers() on the flusher's next turn, which a kick makes sure of
            kick();
        }
        catch (final RuntimeException e)
        {
            poison(e);
        }
    }

    private void retryBarriers()
    {
        for (int i = 0; i < flushCount; i++)
        {
            final int slot = (flushHead + i) % flushes.length;
            if (!flushes[slot].barrierIssued)
            {
                issueBarrier(flushes[slot], slot);
            }
        }
    }

    /** Poisoned: flushes whose barrier could not be issued will never sync; let them go (nothing is acked). */
    private void retireUnissuedBarriers()
    {
        for (int i = 0; i < flushCount; i++)
        {
            final Flush flush = flushes[(flushHead + i) % flushes.length];
            if (!flush.barrierIssued)
            {
                flush.barrierIssued = true;
                flush.synced = true;
            }
        }
        advanceDurable();
    }

    private void writeDone(final int slot, final IoFailure error)
    {
        final Flush flush = flushes[slot];
        if (error != null && breakage != LogBreakage.IGNORE_ERRORS)
        {
            poison(error);
        }
        flush.writeDone = true;
        writeInFlight = false;
        // The buffer below the block holding the flush's end is no longer needed: zero it for the next lap.
        final long newFree = flush.cover & -(long)blockBytes;
        final long zeroEnd = Math.min(newFree, flush.writeEnd);
        for (long p = flush.from; p < zeroEnd; p += 8)
        {
            buffer.putLong((int)(p & bufferMask), 0L);
        }
        if (newFree > freeLsn)
        {
            // volatile write: the zeroing is visible before appenders may claim the space.
            freeLsn = newFree;
        }
        if (breakage == LogBreakage.ACK_ON_WRITE)
        {
            flush.synced = true;
            advanceDurable();
        }
        work();
    }

    private void syncDone(final int slot, final IoFailure error)
    {
        if (error != null && breakage != LogBreakage.IGNORE_ERRORS)
        {
            poison(error);
        }
        flushes[slot].synced = true;
        advanceDurable();
        work();
    }

    private void advanceDurable()
    {
        while (flushCount > 0)
        {
            final Flush head = flushes[flushHead];
            if (!head.synced || !head.writeDone)
            {
                break;
            }
            if (failure == null && head.cover > durableLsn)
            {
                durableLsn = head.cover;
            }
            head.file = null;
            flushHead = (flushHead + 1) % flushes.length;
            flushCount--;
        }
    }

    private void completePending()
    {
        final long durable = durableLsn;
        int kept = 0;
        for (int i = 0; i < pending.size(); i++)
        {
            final Waiter w = pending.get(i);
            if (w.lsn < durable)
            {
                complete(w, durable, null);
            }
            else
            {
                pending.set(kept++, w);
            }
        }
        truncatePending(kept);
    }

    private void failPending()
    {
        final IoFailure f = asIoFailure(failure);
        for (int i = 0; i < pending.size(); i++)
        {
            complete(pending.get(i), 0, f);
        }
        truncatePending(0);
    }

    private void truncatePending(final int size)
    {
        for (int i = pending.size() - 1; i >= size; i--)
        {
            pending.remove(i);
        }
    }

    private void complete(final Waiter w, final long durable, final IoFailure f)
    {
        final IoHandler<Object> handler = w.handler;
        final Object attachment = w.attachment;
        final long token = w.token;
        w.handler = null;
        w.attachment = null;
        waiterPool.relaxedOffer(w);
        waitersPending.decrementAndGet();
        try
        {
            if (f == null)
            {
                handler.completed(durable, attachment, token);
            }
            else
            {
                handler.failed(f, attachment, token);
            }
        }
        catch (final RuntimeException e)
        {
            // A handler's own failure is not the log's: counted, and the flusher goes on.
            handlerErrors.incrementAndGet();
        }
    }

    /** Closes segment files entirely below the durable LSN, whose flushes are done. Agent thread. */
    private void closeOldSegments()
    {
        // Flushes in flight cover more than durableLsn, so none of them is on a segment below it.
        while (oldestOpenSegment < currentSegment && durableLsn >= (oldestOpenSegment + 1) * dataBytes)
        {
            final IoFile f = segments.remove(oldestOpenSegment);
            if (f != null)
            {
                segmentCloses.add(f.closeAsync());
            }
            oldestOpenSegment++;
        }
    }

    private void poison(final Throwable cause)
    {
        if (failure == null)
        {
            failure = cause;
        }
    }

    // ------------------------------------------------------------------------------------------- truncation

    /**
     * Removes the segments holding only records below {@code lsn} (after a checkpoint made them unneeded): up to
     * {@link LogConfig#spareSegmentsMax()} are kept for reuse under a spare name, the others deleted; the
     * directory is synced before this returns. The segment holding {@code lsn} is kept, so {@link #startLsn()} may
     * stay below {@code lsn}. Blocks the caller (on the log's preparer thread); never from a commit handler.
     *
     * @param lsn records below it may go; at most the durable LSN counts.
     * @return the new {@link #startLsn()}.
     * @throws IOException as the filesystem reported it.
     */
    public long truncateBefore(final long lsn) throws IOException
    {
        if (closed.isDone() || tail.get() < 0)
        {
            throw new LogClosedException("log closed: truncateBefore refused: lsn=" + lsn);
        }
        final Future<Long> done = preparer.submit(() ->
        {
            final long keepFrom = Math.min(Math.min(lsn, durableLsn), coverIssuedSnapshot()) / dataBytes;
            final List<String> names = storage.names();
            int spareCount;
            synchronized (spares)
            {
                spareCount = spares.size();
            }
            long newStart = startLsn;
            final List<Long> below = new ArrayList<>();
            for (final String name : names)
            {
                final long k = LogFrameDescriptor.parseSegmentName(name);
                if (k >= 0 && k < keepFrom)
                {
                    below.add(k);
                }
            }
            below.sort(null);
            for (final long k : below)
            {
                if (spareCount < config.spareSegmentsMax())
                {
                    makeSpare(k);
                    spareCount++;
                }
                else
                {
                    storage.delete(LogFrameDescriptor.segmentName(k));
                }
            }
            if (!below.isEmpty())
            {
                storage.syncDirectory();
                newStart = Math.max(newStart, keepFrom * dataBytes);
                startLsn = newStart;
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
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted truncating the log: lsn=" + lsn);
        }
    }

    private long coverIssuedSnapshot()
    {
        // The agent's current segment is never removed: durableLsn is below what was issued, so its segment is
        // at most the current one, whose file stays open (removal of an open file is safe on Linux anyway).
        return durableLsn;
    }

    // -------------------------------------------------------------------------------------------------- close

    /**
     * Refuses new appends, waits until every record appended is durable (or the log failed), then closes the
     * segment files, the preparer and the ring the log opened. Idempotent.
     *
     * @throws IOException when the log had failed (its cause), or the last records could not be made durable
     *                     in 60 s.
     */
    @Override
    public void close() throws IOException
    {
        if (!closeState.compareAndSet(0, 1))
        {
            awaitClosed();
            return;
        }
        long t;
        do
        {
            t = tail.get();
        }
        while (!tail.compareAndSet(t, t | CLOSED_BIT));
        final long last = t;
        try
        {
            if (ring.isClosed())
            {
                closed.completeExceptionally(new IOException("ring closed before the log: directory=" +
                    storage.describe()));
            }
            else
            {
                ring.onAgent(backend ->
                {
                    finalTail = last;
                    closing = true;
                    work();
                    return null;
                });
            }
            awaitClosed();
        }
        finally
        {
            abandon();
        }
    }

    private void awaitClosed() throws IOException
    {
        try
        {
            closed.get(CLOSE_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException e)
        {
            throw e.getCause() instanceof IOException ? (IOException)e.getCause() :
                new IOException("log failed: directory=" + storage.describe(), e.getCause());
        }
        catch (final TimeoutException e)
        {
            throw new IOException("log close timed out: durableLsn=" + durableLsn + " appendedEndLsn=" +
                appendedEndLsn() + " scanPos=" + scanPos + " coverIssued=" + coverIssued + " finalTail=" + finalTail +
                " flushCount=" + flushCount + " writeInFlight=" + writeInFlight + " kickState=" + kickState.get() +
                " currentSegment=" + currentSegment + " preparedUpTo=" + preparedUpTo.get() + " prepareRequested=" +
                prepareRequested.get() + " failure=" + failure + " directory=" + storage.describe());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted closing the log");
        }
    }

    /** Agent thread: completes {@link #closed} once closing and everything is durable, or the log failed. */
    private void finishCloseIfDone()
    {
        if (!closing || closed.isDone())
        {
            return;
        }
        if (failure != null)
        {
            if (!writeInFlight && flushCount == 0 || breakage != LogBreakage.NONE)
            {
                closed.completeExceptionally(asIoFailure(failure));
            }
            return;
        }
        if (scanPos >= finalTail && durableLsn >= scanPos && flushCount == 0)
        {
            closed.complete(null);
        }
        else if (scanPos < finalTail)
        {
            // An appender that claimed before close is still copying: look again soon.
            kick();
        }
    }

    /** Releases everything without waiting for durability (close's end, or a failed open). */
    private void abandon()
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
        if (!closed.isDone())
        {
            closed.completeExceptionally(new IOException("log abandoned: directory=" + storage.describe()));
        }
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
        if (ownsRing)
        {
            try
            {
                ring.close();
            }
            catch (final IoFailure e)
            {
                // A barrier of an abandoned segment failed: reported through the log's own failure, as above.
            }
        }
    }

    @Override
    public String toString()
    {
        return "LogFile{directory=" + storage.describe() + " engine=" + ring.engineName() + " startLsn=" + startLsn +
            " durableLsn=" + durableLsn + " appendedEndLsn=" + appendedEndLsn() + "}";
    }
}
