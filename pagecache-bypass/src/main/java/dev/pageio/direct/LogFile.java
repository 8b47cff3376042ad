package dev.pageio.direct;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRing;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.pageio.direct.LogState.CLOSED_BIT;

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
 * per append or per handler-form commit in the steady state (waiters are recycled). A flush that would end in a
 * tail block more than half full, with no append claiming beyond it, pads that block to its end (a padding frame),
 * so that the next flush starts on a fresh block instead of writing the block again ({@link #paddedBytes()}).
 *
 * <p>With {@link LogConfig.SyncMode#DSYNC} the segment files are opened O_DIRECT|O_DSYNC and a flush is its write
 * alone: the write is durable when it completes (BARRIER.md rule 10), no barrier and no sync is issued, and the
 * commits it covers are acknowledged on its completion. One device operation per flush instead of two in series;
 * group commit is unchanged (one write serves every committer whose record is in it), but the next flush's write
 * waits for this one's completion, which now includes the device's flush.
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
 * <h2>Rooms</h2>
 * This class is the public face; the work is done in package-private rooms that share a {@link LogState}:
 * {@link LogAppender} (buffer claim and copy), {@link LogCommitters} (waiting commits), {@link LogFlusher} (writes
 * and barriers on the agent), {@link LogSegments} (preparation, recycling, truncation) and {@link LogRecovery}.
 *
 * <p>Threading: every public method from any thread. Commit handlers run on the ring's agent thread (or on the
 * caller's thread when the record is durable already, or the log failed) and must not block.
 */
public final class LogFile implements AutoCloseable
{
    /** {@link #tryAppend} returns this when the buffer has no space now. */
    public static final long BACK_PRESSURED = -1;

    private static final long CLOSE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private final LogState state;
    private final boolean ownsRing;
    private final LogCommitters committers;
    private final LogSegments segments;
    private final LogFlusher flusher;
    private final LogAppender appender;
    private final AtomicInteger closeState = new AtomicInteger();

    private LogFile(final LogConfig config, final LogStorage storage, final boolean ownsRing,
        final LogRecovery.Found found)
    {
        this.state = new LogState(config, storage, found);
        this.ownsRing = ownsRing;
        this.committers = new LogCommitters();
        this.segments = new LogSegments(state);
        this.flusher = new LogFlusher(state, segments, committers);
        this.appender = new LogAppender(state, flusher, committers);
        segments.onPrepared(flusher::kick);
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
            return open(new DirectoryLogStorage(directory, ring, config.policy(),
                config.syncMode() == LogConfig.SyncMode.DSYNC), config, ownsRing);
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
        if (storage.syncWrites() != (config.syncMode() == LogConfig.SyncMode.DSYNC))
        {
            throw new IllegalArgumentException("storage does not match the sync mode: syncMode=" + config.syncMode() +
                " storageSyncWrites=" + storage.syncWrites() + " storage=" + storage.describe());
        }
        final LogRecovery.Found found = LogRecovery.scan(storage, config);
        final LogFile log = new LogFile(config, storage, ownsRing, found);
        try
        {
            LogRecovery.setAside(found, log.segments, storage);
            log.segments.prepare(found.firstSegment, true);
            log.state.blockBytes = storage.blockBytes();
            if (found.seal)
            {
                LogRecovery.seal(log.state, found);
            }
            log.flusher.kickFile(log.segments.file(found.firstSegment));
            log.segments.requestPrepare(found.firstSegment + 1);
            return log;
        }
        catch (final IOException | RuntimeException e)
        {
            log.abandon();
            throw e;
        }
    }

    // -------------------------------------------------------------------------------------------- queries

    /** @return the configuration. */
    public LogConfig config()
    {
        return state.config;
    }

    /** @return the ring the log writes through. */
    public IoRing ring()
    {
        return state.ring;
    }

    /** @return the largest record {@link #append} accepts, in bytes (larger ones are refused, never split). */
    public int maxRecordBytes()
    {
        return state.maxRecordBytes;
    }

    /** @return the LSN of the oldest record kept (the start of the first segment). */
    public long startLsn()
    {
        return state.startLsn;
    }

    /** @return where recovery found the valid log to end when this log was opened. */
    public long recoveredEndLsn()
    {
        return state.recoveredEndLsn;
    }

    /** @return why recovery found the log to end there (as {@link LogReader#endReason()}; "empty" for a new log). */
    public String recoveredEndReason()
    {
        return state.recoveredEndReason;
    }

    /** @return the LSN of the first record appended since open (a fresh segment after the recovered end). */
    public long firstLsn()
    {
        return state.firstLsn;
    }

    /** @return the LSN the next append would get (past every claimed record). */
    public long appendedEndLsn()
    {
        return state.appendedEndLsn();
    }

    /** @return every record below this LSN is durable. */
    public long durableLsn()
    {
        return state.durableLsn;
    }

    /** @return the failure that poisoned the log, or null. */
    public Throwable failure()
    {
        return state.failure;
    }

    /**
     * @return flushes issued so far: each one write and one barrier (so at most one sync; no barrier in
     * {@link LogConfig.SyncMode#DSYNC} mode). Approximate.
     */
    public long flushes()
    {
        return flusher.flushesIssued();
    }

    /** @return bytes the flushes wrote (tail blocks rewritten count again). Approximate. */
    public long bytesWritten()
    {
        return flusher.bytesWritten();
    }

    /**
     * @return log bytes the flusher filled with padding at the end of a tail block more than half full, so that the
     * next flush starts on a fresh block instead of rewriting it (space, not bytes written: those are counted in
     * {@link #bytesWritten()}). Approximate.
     */
    public long paddedBytes()
    {
        return flusher.paddedBytes();
    }

    /** @return commit handlers that threw (their exceptions are not the log's; the flusher went on). */
    public long handlerErrors()
    {
        return committers.handlerErrors();
    }

    /** @return write granularity in bytes (the O_DIRECT block). */
    public int blockBytes()
    {
        return state.blockBytes;
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
        final long startLsn = state.startLsn;
        if (fromLsn < startLsn)
        {
            throw new IllegalArgumentException("lsn before the log's start: lsn=" + fromLsn + " startLsn=" + startLsn);
        }
        final long durableLsn = state.durableLsn;
        final long limit = durableLsn > state.firstLsn ? durableLsn : state.recoveredEndLsn;
        return new LogReader(state.storage, state.segmentBytes, fromLsn, Math.max(limit, fromLsn), state.breakage);
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
        return appender.append(src, true);
    }

    /**
     * {@link #append(ByteBuffer)} that refuses at once when the buffer is full.
     *
     * @param src the record.
     * @return the record's LSN, or {@link #BACK_PRESSURED} (nothing appended).
     */
    public long tryAppend(final ByteBuffer src)
    {
        return appender.append(src, false);
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
    public <A> void commit(final long lsn, final IoHandler<? super A> handler, final A attachment, final long token)
    {
        if (handler == null)
        {
            throw new NullPointerException("handler null: lsn=" + lsn);
        }
        final long t = state.tail.get();
        if (state.closed.isDone())
        {
            throw new LogClosedException("log closed: commit refused: lsn=" + lsn);
        }
        final long appended = t & ~CLOSED_BIT;
        if (lsn < 0 || lsn >= appended)
        {
            throw new IllegalArgumentException("lsn not appended: lsn=" + lsn + " appendedEndLsn=" + appended);
        }
        final Throwable f = state.failure;
        if (f != null)
        {
            handler.failed(state.asIoFailure(f), attachment, token);
            return;
        }
        final long durableLsn = state.durableLsn;
        if (lsn < durableLsn)
        {
            handler.completed(durableLsn, attachment, token);
            return;
        }
        committers.push(lsn, handler, attachment, token);
        flusher.kick();
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
        if (state.closed.isDone() || state.tail.get() < 0)
        {
            throw new LogClosedException("log closed: truncateBefore refused: lsn=" + lsn);
        }
        try
        {
            return segments.truncateBefore(lsn);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted truncating the log: lsn=" + lsn);
        }
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
            t = state.tail.get();
        }
        while (!state.tail.compareAndSet(t, t | CLOSED_BIT));
        final long last = t;
        try
        {
            if (state.ring.isClosed())
            {
                state.closed.completeExceptionally(new IOException("ring closed before the log: directory=" +
                    state.storage.describe()));
            }
            else
            {
                state.ring.onAgent(backend ->
                {
                    flusher.beginClose(last);
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
            state.closed.get(CLOSE_TIMEOUT_NS, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException e)
        {
            throw e.getCause() instanceof IOException ? (IOException)e.getCause() :
                new IOException("log failed: directory=" + state.storage.describe(), e.getCause());
        }
        catch (final TimeoutException e)
        {
            throw new IOException("log close timed out: durableLsn=" + state.durableLsn + " appendedEndLsn=" +
                appendedEndLsn() + " " + flusher.describe() + " " + segments.describe() + " failure=" +
                state.failure + " directory=" + state.storage.describe());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted closing the log");
        }
    }

    /** Releases everything without waiting for durability (close's end, or a failed open). */
    private void abandon()
    {
        segments.shutdown();
        if (!state.closed.isDone())
        {
            state.closed.completeExceptionally(new IOException("log abandoned: directory=" + state.storage.describe()));
        }
        if (ownsRing)
        {
            try
            {
                state.ring.close();
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
        return "LogFile{directory=" + state.storage.describe() + " engine=" + state.ring.engineName() + " startLsn=" +
            state.startLsn + " durableLsn=" + state.durableLsn + " appendedEndLsn=" + appendedEndLsn() + "}";
    }
}
