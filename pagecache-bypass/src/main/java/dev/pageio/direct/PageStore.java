package dev.pageio.direct;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Fixed-size pages of one file, by number, on any engine: what a B-tree or a key-value store calls. Page
 * {@code n} lives at byte {@code n * pageSizeBytes}. The file is a {@link DirectFile} (O_DIRECT under the
 * configured policy) adopted by an {@link IoRing}; {@link #buffers()} hands out page buffers that are always
 * right for it.
 *
 * <p>Calls are checked before anything is queued: a page number outside {@code 0..pageCount()-1} or a buffer
 * whose remaining bytes are not exactly one page is an {@link IllegalArgumentException}; the ring then checks
 * O_DIRECT alignment. The store grows only through {@link #grow(long)}, which preallocates.
 *
 * <p>Durability: {@link #barrier()} is the file's barrier ({@link IoFile#barrier(BarrierMode)}, docs/DURABILITY.md): it
 * completes once every page write accepted before the call has completed and an fdatasync issued after that
 * returned success; concurrent barriers share syncs (group commit); a failed write or sync poisons the store for
 * good. DATA mode suffices because the store only grows through {@link #grow(long)}, which preallocates and
 * fsyncs before the new pages are used (rule 9).
 *
 * <p>Threading: every method from any thread; completion handlers run on the ring's agent thread and must not
 * block. {@link #close()} is a barrier (when anything was written since the last one), then closes the file,
 * the buffer pool and the ring the store opened.
 */
public final class PageStore implements AutoCloseable
{
    private final PageStoreConfig config;
    private final DirectFile file;
    private final IoRing ring;
    private final boolean ownsRing;
    private final IoFile ioFile;
    private final AlignedBufferPool pool;
    private final int pageSizeBytes;
    private final int pageShift;
    private final int maxSegments;
    private volatile long pageCount;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Null when the pool is registered with the ring, else why not. */
    private final String bufferRegistrationCause;
    /** The handler forms' in-flight marks on pool buffers (no allocation per I/O). */
    private final PoolMarkedHandlers handlerMarks;

    private PageStore(final PageStoreConfig config, final DirectFile file, final IoRing ring, final boolean ownsRing,
        final IoFile ioFile, final AlignedBufferPool pool, final long pageCount, final String bufferRegistrationCause)
    {
        this.bufferRegistrationCause = bufferRegistrationCause;
        this.config = config;
        this.file = file;
        this.ring = ring;
        this.ownsRing = ownsRing;
        this.ioFile = ioFile;
        this.pool = pool;
        this.handlerMarks = new PoolMarkedHandlers(pool, ring.config().queueDepth(), pool.bufferCount());
        this.pageSizeBytes = config.pageSizeBytes();
        this.pageShift = Integer.numberOfTrailingZeros(pageSizeBytes);
        this.maxSegments = ring.config().maxSegments();
        this.pageCount = pageCount;
    }

    /**
     * Opens (or creates) a page store.
     *
     * @param path   the file.
     * @param config page size, engine, policy, buffers.
     * @return the store.
     * @throws IOException when the file cannot be opened as configured (REQUIRED on a filesystem refusing
     *                     O_DIRECT, a size that is not a whole number of pages), or no engine can open a ring.
     * @throws IllegalArgumentException when the page size is not a multiple of the file's offset alignment.
     */
    public static PageStore open(final Path path, final PageStoreConfig config) throws IOException
    {
        final Set<StandardOpenOption> options = EnumSet.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        if (config.create())
        {
            options.add(StandardOpenOption.CREATE);
        }
        final DirectFile file = DirectFile.open(path, options, config.policy(), config.ops());
        IoRing ring = null;
        boolean ownsRing = false;
        IoFile ioFile = null;
        try
        {
            final int pageSize = config.pageSizeBytes();
            if (pageSize % file.offsetAlignment() != 0)
            {
                throw new IllegalArgumentException("page size not a multiple of the alignment: pageSizeBytes=" +
                    pageSize + " offsetAlignment=" + file.offsetAlignment() + " path=" + path);
            }
            final long size = file.size();
            if (size % pageSize != 0)
            {
                throw new IOException("file size not a whole number of pages: path=" + path + " size=" + size +
                    " pageSizeBytes=" + pageSize);
            }
            ring = config.ring();
            if (ring == null)
            {
                ring = IoRing.open(config.ringConfig());
                ownsRing = true;
            }
            ioFile = ring.adopt(file);
            final AlignedBufferPool pool = AlignedBufferPool.forFile(file, config.bufferCount(), pageSize,
                config.bufferPoolMode());
            final String registration = ownsRing ? PoolRegistration.register(ring, pool) : "the ring is the caller's";
            return new PageStore(config, file, ring, ownsRing, ioFile, pool, size / pageSize, registration);
        }
        catch (final IOException | RuntimeException e)
        {
            if (ioFile != null)
            {
                ioFile.close();
            }
            else
            {
                file.close();
            }
            if (ownsRing)
            {
                ring.close();
            }
            throw e;
        }
    }

    /** @return the configuration. */
    public PageStoreConfig config()
    {
        return config;
    }

    /** @return the engine doing the I/O ({@code "io_uring"}, {@code "aio"}, {@code "threads"}). */
    public String engine()
    {
        return ring.engineName();
    }

    /** @return the O_DIRECT alignment of the file ({@link Alignment#NONE} when it is buffered). */
    public Alignment alignment()
    {
        return file.alignment();
    }

    /** @return true when the file is open O_DIRECT. */
    public boolean direct()
    {
        return file.direct();
    }

    /** @return the open file (policy, fallback reason, filesystem). */
    public DirectFile file()
    {
        return file;
    }

    /** @return the ring doing the I/O. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return bytes per page. */
    public int pageSizeBytes()
    {
        return pageSizeBytes;
    }

    /** @return how many pages the store holds. */
    public long pageCount()
    {
        return pageCount;
    }

    /** @return true when the pool's memory is registered with the ring (io_uring: fixed-buffer reads and writes). */
    public boolean buffersRegistered()
    {
        return bufferRegistrationCause == null;
    }

    /**
     * @return why the pool's memory is not registered (the engine has no registered buffers, the kernel refused:
     * RLIMIT_MEMLOCK, the ring is the caller's), or null when it is.
     */
    public String bufferRegistrationCause()
    {
        return bufferRegistrationCause;
    }

    /** @return the pool of page buffers (aligned for this file, one page each). */
    public AlignedBufferPool buffers()
    {
        return pool;
    }

    /** @return the first failure that poisoned the store's barriers, or null. */
    public Throwable failure()
    {
        return ioFile.barrierPoison();
    }

    // ------------------------------------------------------------------------------------------------ checks

    private void checkOpen()
    {
        if (closed.get())
        {
            throw new IllegalStateException("page store closed: path=" + file.path());
        }
    }

    private void checkPages(final long firstPage, final long pages)
    {
        final long count = pageCount;
        if (firstPage < 0 || pages < 0 || firstPage >= count || pages > count - firstPage)
        {
            throw new IllegalArgumentException((pages == 1 ? "page out of range: page=" + firstPage :
                "pages out of range: firstPage=" + firstPage + " pages=" + pages) + " pageCount=" + count);
        }
    }

    private void checkBuffer(final ByteBuffer buffer, final int index)
    {
        if (buffer == null)
        {
            throw new NullPointerException("buffer null" + (index >= 0 ? ": index=" + index : ""));
        }
        if (buffer.remaining() != pageSizeBytes)
        {
            throw new IllegalArgumentException("buffer not one page: remaining=" + buffer.remaining() +
                " pageSizeBytes=" + pageSizeBytes + (index >= 0 ? " index=" + index : ""));
        }
    }

    // ------------------------------------------------------------------------------------------------ single

    /**
     * Reads one page into {@code dst}'s remaining bytes (exactly one page).
     *
     * @param page       the page number, 0 to pageCount()-1.
     * @param dst        the buffer.
     * @param handler    called once on the agent thread with the bytes read.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void readPage(final long page, final ByteBuffer dst, final IoHandler<? super A> handler,
        final A attachment, final long token)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(dst, -1);
        handlerMarks.read(ioFile, page << pageShift, dst, handler, attachment, token);
    }

    /**
     * Reads one page; see {@link #readPage(long, ByteBuffer, IoHandler, Object, long)}.
     *
     * @param page the page number, 0 to pageCount()-1.
     * @param dst  the buffer (exactly one page remaining).
     * @return the bytes read.
     */
    public CompletableFuture<Long> readPage(final long page, final ByteBuffer dst)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(dst, -1);
        return PoolIoMarks.tracked(pool, dst, () -> ioFile.read(page << pageShift, dst));
    }

    /**
     * Writes one page from {@code src}'s remaining bytes (exactly one page).
     *
     * @param page       the page number, 0 to pageCount()-1.
     * @param src        the buffer; not to be touched until the handler runs.
     * @param handler    called once on the agent thread.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     * @return the write's sequence number in the store's file, for {@link #barrierCovering(long)}.
     */
    public <A> long writePage(final long page, final ByteBuffer src, final IoHandler<? super A> handler,
        final A attachment, final long token)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(src, -1);
        return handlerMarks.write(ioFile, page << pageShift, src, handler, attachment, token);
    }

    /**
     * WAL before page without blocking a thread (docs/DURABILITY.md rule 7): writes the page only once
     * {@code commitOrBarrier} (typically {@link LogFile#commit(long)} of the log record that describes the
     * change, or another barrier) completed successfully. When it fails, the page is not written and the returned
     * future fails with an {@link IoFailure} (ECANCELED) whose cause is the dependency's failure. The arguments
     * are checked now.
     *
     * @param commitOrBarrier what must be durable first.
     * @param page            the page number.
     * @param src             the buffer (exactly one page); not to be touched until the returned future completes.
     * @return the bytes written.
     */
    public CompletableFuture<Long> writePageAfter(final CompletableFuture<?> commitOrBarrier, final long page,
        final ByteBuffer src)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(src, -1);
        if (commitOrBarrier == null)
        {
            throw new NullPointerException("commitOrBarrier null: page=" + page);
        }
        return ioFile.writeAfter(commitOrBarrier, page << pageShift, src);
    }

    /**
     * {@link #writePageAfter(CompletableFuture, long, ByteBuffer)} after the log record at {@code lsn} is durable.
     *
     * @param log  the write-ahead log.
     * @param lsn  the LSN of the record that must be durable before the page.
     * @param page the page number.
     * @param src  the buffer (exactly one page).
     * @return the bytes written.
     */
    public CompletableFuture<Long> writePageAfter(final LogFile log, final long lsn, final long page,
        final ByteBuffer src)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(src, -1);
        return writePageAfter(log.commit(lsn), page, src);
    }

    /**
     * Writes one page; see {@link #writePage(long, ByteBuffer, IoHandler, Object, long)}.
     *
     * @param page the page number, 0 to pageCount()-1.
     * @param src  the buffer (exactly one page remaining); not to be touched until the future completes.
     * @return the bytes written.
     */
    public CompletableFuture<Long> writePage(final long page, final ByteBuffer src)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(src, -1);
        return PoolIoMarks.tracked(pool, src, () -> ioFile.write(page << pageShift, src));
    }

    // -------------------------------------------------------------------------------------------------- runs

    /**
     * Reads a run of consecutive pages, one buffer per page, in one batch: one vectored read (preadv) per
     * {@code maxSegments} pages of the ring.
     *
     * @param firstPage the first page number.
     * @param dsts      one buffer per page, each with exactly one page remaining.
     * @return the total bytes read.
     */
    public CompletableFuture<Long> readPages(final long firstPage, final ByteBuffer[] dsts)
    {
        return run(firstPage, dsts, false);
    }

    /**
     * Writes a run of consecutive pages, one buffer per page, in one batch: one vectored write (pwritev) per
     * {@code maxSegments} pages of the ring. A barrier after this call covers every page of the run.
     *
     * @param firstPage the first page number.
     * @param srcs      one buffer per page, each with exactly one page remaining.
     * @return the total bytes written.
     */
    public CompletableFuture<Long> writePages(final long firstPage, final ByteBuffer[] srcs)
    {
        return run(firstPage, srcs, true);
    }

    private CompletableFuture<Long> run(final long firstPage, final ByteBuffer[] buffers, final boolean write)
    {
        checkOpen();
        if (buffers == null)
        {
            throw new NullPointerException("buffers null");
        }
        if (buffers.length == 0)
        {
            return CompletableFuture.completedFuture(0L);
        }
        checkPages(firstPage, buffers.length);
        for (int i = 0; i < buffers.length; i++)
        {
            checkBuffer(buffers[i], i);
        }
        return PoolIoMarks.trackedAll(pool, buffers, () -> runMarked(firstPage, buffers, write));
    }

    private CompletableFuture<Long> runMarked(final long firstPage, final ByteBuffer[] buffers, final boolean write)
    {
        final List<CompletableFuture<Long>> parts = new ArrayList<>((buffers.length + maxSegments - 1) / maxSegments);
        for (int p = 0; p * maxSegments < buffers.length; p++)
        {
            final int from = p * maxSegments;
            final int n = Math.min(maxSegments, buffers.length - from);
            final ByteBuffer[] segment = from == 0 && n == buffers.length ? buffers : copy(buffers, from, n);
            final long offset = (firstPage + from) << pageShift;
            parts.add(write ? ioFile.writev(offset, segment) : ioFile.readv(offset, segment));
        }
        if (parts.size() == 1)
        {
            return parts.get(0);
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(ignored ->
        {
            long total = 0;
            for (final CompletableFuture<Long> part : parts)
            {
                total += part.join();
            }
            return total;
        });
    }

    private static ByteBuffer[] copy(final ByteBuffer[] buffers, final int from, final int n)
    {
        final ByteBuffer[] segment = new ByteBuffer[n];
        System.arraycopy(buffers, from, segment, 0, n);
        return segment;
    }

    // ---------------------------------------------------------------------------------------- growth, barrier

    /**
     * Adds pages at the end, preallocated (fallocate; zeros written where the filesystem refuses it) and made
     * durable with an fsync through the ring before this returns, so that writes to them cannot fail for space
     * and later barriers need only fdatasync (docs/DURABILITY.md rule 9). Blocks the caller; not for the agent thread.
     *
     * @param pages how many, &ge; 1.
     * @return the new page count.
     * @throws IOException as the filesystem reported it (ENOSPC…); the page count is then unchanged.
     */
    public synchronized long grow(final long pages) throws IOException
    {
        checkOpen();
        if (pages < 1 || pages > (Long.MAX_VALUE >> pageShift) - pageCount)
        {
            throw new IllegalArgumentException("pages out of range: pages=" + pages + " pageCount=" + pageCount);
        }
        file.preallocate(pageCount << pageShift, pages << pageShift);
        try
        {
            ioFile.fsync().get();
        }
        catch (final ExecutionException e)
        {
            throw e.getCause() instanceof IOException ? (IOException)e.getCause() :
                new IOException("fsync after preallocation failed: path=" + file.path(), e.getCause());
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while syncing the preallocation: path=" + file.path(), e);
        }
        pageCount += pages;
        return pageCount;
    }

    /**
     * Makes every page write accepted before this call durable (the file's barrier in DATA mode). Fails, now and
     * forever after, once any write or sync of the store failed (the first cause).
     *
     * @return completes when durable, or exceptionally with the {@link IoFailure}.
     */
    public CompletableFuture<Void> barrier()
    {
        checkOpen();
        return ioFile.barrier(BarrierMode.DATA).thenApply(covered -> null);
    }

    /**
     * A barrier covering the page writes up to sequence number {@code seq} (as {@link #writePage(long, ByteBuffer,
     * IoHandler, Object, long)} returned it), DATA mode: completes once they are durable, not held back by writes
     * accepted later. Fails, now and forever after, once any write or sync of the store failed.
     *
     * @param seq a sequence number the store issued.
     * @return completes with {@code seq} when durable.
     * @throws IllegalArgumentException when {@code seq} was not issued.
     */
    public CompletableFuture<Long> barrierCovering(final long seq)
    {
        checkOpen();
        return ioFile.barrierCovering(seq, BarrierMode.DATA);
    }

    /**
     * {@link #barrierCovering(long)} with a handler (no allocation).
     *
     * @param seq        a sequence number the store issued.
     * @param handler    called once on the agent thread with {@code seq}.
     * @param attachment passed to the handler.
     * @param token      passed to the handler.
     * @param <A>        the attachment's type.
     */
    public <A> void barrierCovering(final long seq, final IoHandler<? super A> handler, final A attachment,
        final long token)
    {
        checkOpen();
        ioFile.barrierCovering(seq, BarrierMode.DATA, handler, attachment, token);
    }

    /** @return the sequence number of the last page write accepted (0 before any). */
    public long lastWriteSeq()
    {
        return ioFile.lastWriteSeq();
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * A barrier when anything was written since the last one, then closes the file (after its requests
     * completed), the buffer pool (its memory is freed once every buffer is back) and the ring the store
     * opened. Idempotent.
     *
     * @throws IoFailure when the closing barrier failed: the original failure (the write or sync that poisoned
     *                   the file, naming it, with its errno), as {@link IoFile#close()} and {@link IoRing#close()}
     *                   throw it; the store, its pool and its ring are closed anyway. Reported once.
     */
    @Override
    public void close() throws IoFailure
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        IoFailure failure = null;
        try
        {
            ioFile.close(); // a barrier, then close (docs/DURABILITY.md rule 11)
        }
        catch (final IoFailure e)
        {
            failure = e;
        }
        finally
        {
            pool.close();
            if (ownsRing)
            {
                try
                {
                    ring.close();
                }
                catch (final IoFailure e)
                {
                    if (failure == null)
                    {
                        failure = e;
                    }
                    else if (e != failure)
                    {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    @Override
    public String toString()
    {
        return "PageStore{path=" + file.path() + " engine=" + engine() + " pageSizeBytes=" + pageSizeBytes +
            " pageCount=" + pageCount + " direct=" + file.direct() + " " + file.alignment() + "}";
    }
}
