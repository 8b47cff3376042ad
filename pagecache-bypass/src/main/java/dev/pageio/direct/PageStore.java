package dev.pageio.direct;

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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

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
 * <p>Durability: {@link #barrier()} completes once every page write accepted before the call has completed
 * and a sync issued after that returned success (BARRIER.md rules 1, 2, 5, 9). Until the core's per-file
 * barrier exists on {@code IoFile}, this store implements it itself: it remembers each write in flight (one
 * small object per write), waits for those accepted before the barrier, then issues fdatasync (fsync after a
 * growth) through the ring. Each barrier issues its own sync (no group commit yet); a failed write or sync
 * poisons the store: that barrier and every later one fail with the first cause.
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
    private final Set<TrackedWrite<?>> writesInFlight = ConcurrentHashMap.newKeySet();
    private final AtomicReference<Throwable> poison = new AtomicReference<>();
    private final AtomicBoolean grewSinceBarrier = new AtomicBoolean();
    private final AtomicBoolean wroteSinceBarrier = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PageStore(final PageStoreConfig config, final DirectFile file, final IoRing ring, final boolean ownsRing,
        final IoFile ioFile, final AlignedBufferPool pool, final long pageCount)
    {
        this.config = config;
        this.file = file;
        this.ring = ring;
        this.ownsRing = ownsRing;
        this.ioFile = ioFile;
        this.pool = pool;
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
            return new PageStore(config, file, ring, ownsRing, ioFile, pool, size / pageSize);
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

    /** @return the pool of page buffers (aligned for this file, one page each). */
    public AlignedBufferPool buffers()
    {
        return pool;
    }

    /** @return the first failure that poisoned the store, or null. */
    public Throwable failure()
    {
        return poison.get();
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
        ioFile.read(page << pageShift, dst, handler, attachment, token);
    }

    /** @return the bytes read; see {@link #readPage(long, ByteBuffer, IoHandler, Object, long)}. */
    public CompletableFuture<Long> readPage(final long page, final ByteBuffer dst)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(dst, -1);
        return ioFile.read(page << pageShift, dst);
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
     */
    public <A> void writePage(final long page, final ByteBuffer src, final IoHandler<? super A> handler,
        final A attachment, final long token)
    {
        checkOpen();
        checkPages(page, 1);
        checkBuffer(src, -1);
        final TrackedWrite<A> tracked = new TrackedWrite<>(this, handler, attachment);
        track(tracked);
        try
        {
            ioFile.write(page << pageShift, src, TrackedWrite.HANDLER, tracked, token);
        }
        catch (final RuntimeException e)
        {
            untrack(tracked);
            throw e;
        }
    }

    /** @return the bytes written; see {@link #writePage(long, ByteBuffer, IoHandler, Object, long)}. */
    public CompletableFuture<Long> writePage(final long page, final ByteBuffer src)
    {
        final CompletableFuture<Long> f = new CompletableFuture<>();
        writePage(page, src, FutureHandler.INSTANCE, f, 0);
        return f;
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
        final List<CompletableFuture<Long>> parts = new ArrayList<>((buffers.length + maxSegments - 1) / maxSegments);
        for (int p = 0; p * maxSegments < buffers.length; p++)
        {
            final int from = p * maxSegments;
            final int n = Math.min(maxSegments, buffers.length - from);
            final ByteBuffer[] segment = from == 0 && n == buffers.length ? buffers : copy(buffers, from, n);
            final long offset = (firstPage + from) << pageShift;
            if (write)
            {
                final CompletableFuture<Long> f = new CompletableFuture<>();
                final TrackedWrite<CompletableFuture<Long>> tracked = new TrackedWrite<>(this, FutureHandler.INSTANCE, f);
                track(tracked);
                try
                {
                    ioFile.writev(offset, segment, TrackedWrite.HANDLER, tracked, 0);
                }
                catch (final RuntimeException e)
                {
                    untrack(tracked);
                    throw e;
                }
                parts.add(f);
            }
            else
            {
                parts.add(ioFile.readv(offset, segment));
            }
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
     * Adds pages at the end, preallocated (fallocate; zeros written where the filesystem refuses it), so that
     * writes to them cannot fail for space. The next barrier is a full fsync (the size changed).
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
        grewSinceBarrier.set(true);
        pageCount += pages;
        return pageCount;
    }

    /**
     * Makes every page write accepted before this call durable: waits until those writes completed, then syncs
     * through the ring (fdatasync; fsync when the store grew since the last barrier). Fails, now and forever
     * after, when any write or sync of the store failed (the first cause).
     *
     * @return completes when durable, or exceptionally with the {@link IoFailure}.
     */
    public CompletableFuture<Void> barrier()
    {
        checkOpen();
        return barrierInternal();
    }

    private CompletableFuture<Void> barrierInternal()
    {
        final Throwable poisoned = poison.get();
        if (poisoned != null)
        {
            return CompletableFuture.failedFuture(poisoned);
        }
        wroteSinceBarrier.set(false);
        final Object[] covered = writesInFlight.toArray();
        final CompletableFuture<?>[] done = new CompletableFuture<?>[covered.length];
        for (int i = 0; i < covered.length; i++)
        {
            done[i] = ((TrackedWrite<?>)covered[i]).done;
        }
        return CompletableFuture.allOf(done).thenCompose(ignored ->
        {
            final Throwable failed = poison.get();
            if (failed != null)
            {
                return CompletableFuture.failedFuture(failed);
            }
            final boolean full = grewSinceBarrier.getAndSet(false);
            final CompletableFuture<Long> sync = full ? ioFile.fsync() : ioFile.fdatasync();
            return sync.handle((r, e) ->
            {
                if (e != null)
                {
                    final Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    poison.compareAndSet(null, cause);
                    grewSinceBarrier.compareAndSet(false, full);
                    throw new CompletionException(poison.get());
                }
                return null;
            });
        });
    }

    private void track(final TrackedWrite<?> write)
    {
        writesInFlight.add(write);
        wroteSinceBarrier.set(true);
    }

    private void untrack(final TrackedWrite<?> write)
    {
        writesInFlight.remove(write);
        write.done.complete(null);
    }

    // ------------------------------------------------------------------------------------------------- close

    /**
     * A barrier when anything was written since the last one, then closes the file (after its requests
     * completed), the buffer pool (its memory is freed once every buffer is back) and the ring the store
     * opened. Idempotent.
     *
     * @throws IOException when the closing barrier failed (the store is closed anyway).
     */
    @Override
    public void close() throws IOException
    {
        if (!closed.compareAndSet(false, true))
        {
            return;
        }
        Throwable failure = null;
        try
        {
            if (wroteSinceBarrier.get() || poison.get() != null)
            {
                barrierInternal().get();
            }
        }
        catch (final ExecutionException e)
        {
            failure = e.getCause();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            failure = e;
        }
        finally
        {
            ioFile.close();
            pool.close();
            if (ownsRing)
            {
                ring.close();
            }
        }
        if (failure != null)
        {
            throw failure instanceof IOException ? (IOException)failure :
                new IOException("closing barrier failed: path=" + file.path(), failure);
        }
    }

    @Override
    public String toString()
    {
        return "PageStore{path=" + file.path() + " engine=" + engine() + " pageSizeBytes=" + pageSizeBytes +
            " pageCount=" + pageCount + " direct=" + file.direct() + " " + file.alignment() + "}";
    }

    /** A page write in flight: what a barrier waits for, and the user's handler to call. */
    private static final class TrackedWrite<A>
    {
        @SuppressWarnings({"rawtypes", "unchecked"})
        static final IoHandler<TrackedWrite<?>> HANDLER = new IoHandler()
        {
            @Override
            public void completed(final long result, final Object attachment, final long token)
            {
                final TrackedWrite<Object> w = (TrackedWrite<Object>)attachment;
                try
                {
                    w.handler.completed(result, w.attachment, token);
                }
                finally
                {
                    w.store.writesInFlight.remove(w);
                    w.done.complete(null);
                }
            }

            @Override
            public void failed(final IoFailure failure, final Object attachment, final long token)
            {
                final TrackedWrite<Object> w = (TrackedWrite<Object>)attachment;
                // Poison before anything can observe the write as done (BARRIER.md rule 5).
                w.store.poison.compareAndSet(null, failure);
                try
                {
                    w.handler.failed(failure, w.attachment, token);
                }
                finally
                {
                    w.store.writesInFlight.remove(w);
                    w.done.complete(null);
                }
            }
        };

        final PageStore store;
        final IoHandler<? super A> handler;
        final A attachment;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        TrackedWrite(final PageStore store, final IoHandler<? super A> handler, final A attachment)
        {
            this.store = store;
            this.handler = handler;
            this.attachment = attachment;
        }
    }

    /** Completes a {@link CompletableFuture} attachment. */
    private static final class FutureHandler implements IoHandler<CompletableFuture<Long>>
    {
        static final FutureHandler INSTANCE = new FutureHandler();

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
    }
}
