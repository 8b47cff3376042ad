package dev.pageio.lucene;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.direct.DirectFile;
import dev.pageio.direct.DirectIoPolicy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.lucene.store.BufferedIndexInput;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.LockFactory;

/**
 * A Lucene {@link FSDirectory} whose every file is read and written with O_DIRECT through a pageio ring
 * (io_uring, kernel AIO or the thread engine), bypassing the page cache: an index written or merged here leaves
 * no page cache behind and evicts nobody else's.
 *
 * <ul>
 *   <li>Alignment is discovered per file, as {@link DirectFile} does (statx {@code STATX_DIOALIGN}, the block
 *   device, the filesystem block size).</li>
 *   <li>{@link #createOutput}: whole aligned blocks from two alternating buffers, the next filling while the last
 *   is written; the tail padded, then the file truncated to its length at close.</li>
 *   <li>{@link #openInput}: aligned reads into the input's own buffers, read-ahead when sequential; clones,
 *   slices, {@code RandomAccessInput}. A read a platform thread waits for is a {@code pread(2)} on that thread
 *   (no hand-off); virtual threads and read-ahead use the ring
 *   ({@link PageioDirectoryConfig#callerThreadReads()}).</li>
 *   <li>{@link #sync}: a written file stays open on the ring after its output closes, and {@code sync(names)} is
 *   one group barrier over them ({@code ring.barrier(DATA, files...)}: fdatasync, which also persists the size
 *   set by ftruncate, see man 2 fdatasync), issued only after their writes completed (BARRIER.md). Files not
 *   held open (closed early, see {@link PageioDirectoryConfig#unsyncedFilesMax()}) are fsynced through the
 *   ring. {@link #syncMetaData()} fsyncs the directory; {@link #rename} is atomic (rename(2)).</li>
 *   <li>A filesystem that refuses O_DIRECT is refused with {@link DirectIoRefusedException}; use
 *   {@link #forMerges(FSDirectory)} for a directory that falls back.</li>
 * </ul>
 *
 * <p>Costs to know: creating a file does not sync the directory (Lucene calls {@link #syncMetaData()} at
 * commit); deleting a written file that was never synced closes it on the ring, which in pageio is a barrier
 * (one fdatasync of a file about to go).
 *
 * <p>Threading: any thread; inputs and outputs one thread at a time, as Lucene uses them.
 */
public class PageioDirectory extends FSDirectory
{
    private final PageioDirectoryConfig config;
    private final IoRing ring;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicLong tempCounter = new AtomicLong();
    private final AtomicLong directOutputs = new AtomicLong();
    private final AtomicLong directInputs = new AtomicLong();
    private final PageioIndexInput.CallerReads callerReads = new PageioIndexInput.CallerReads();
    /** Files open for reading: their {@code pread}s stop before the ring closes their descriptors. */
    private final Set<PageioIndexInput.Shared> openInputs = ConcurrentHashMap.newKeySet();
    /** Written, closed, not yet synced files, oldest first; guarded by itself. */
    private final LinkedHashMap<String, IoFile> unsynced = new LinkedHashMap<>();
    /** Closes (barriers) of files evicted from {@link #unsynced}; guarded by {@link #unsynced}. */
    private final Map<String, CompletableFuture<Void>> evicted = new HashMap<>();

    /**
     * Opens a directory on the best available engine with the defaults and the default lock factory.
     *
     * @param path the directory (created when missing).
     * @throws IOException when no ring could open or the directory cannot be created.
     */
    public PageioDirectory(final Path path) throws IOException
    {
        this(path, FSLockFactory.getDefault(), PageioDirectoryConfig.defaults());
    }

    /**
     * @param path        the directory (created when missing).
     * @param lockFactory Lucene's lock factory.
     * @param config      engine, queue depth, block sizes.
     * @throws IOException when the ring could not open on that engine or the directory cannot be created.
     */
    public PageioDirectory(final Path path, final LockFactory lockFactory, final PageioDirectoryConfig config)
        throws IOException
    {
        super(path, lockFactory);
        this.config = config;
        this.ring = IoRing.open(config.ringConfig("lucene:" + path.getFileName()));
    }

    /**
     * The production mode: merges and large flushes through pageio O_DIRECT, everything else (searches, small
     * flushes) on the delegate, as Lucene's {@code DirectIODirectory} splits them.
     *
     * @param delegate the directory searches use, typically {@code MMapDirectory}.
     * @return the split directory; it closes the delegate when closed.
     * @throws IOException when no ring could open.
     */
    public static PageioMergeDirectory forMerges(final FSDirectory delegate) throws IOException
    {
        return new PageioMergeDirectory(delegate, PageioDirectoryConfig.defaults(),
            PageioMergeDirectory.DEFAULT_MIN_BYTES_DIRECT);
    }

    /** @return the configuration. */
    public PageioDirectoryConfig config()
    {
        return config;
    }

    /** @return the engine the ring runs on ({@code io_uring}, {@code aio}, {@code threads}). */
    public String engine()
    {
        return ring.engineName();
    }

    /** @return the ring every file of this directory is on. */
    public IoRing ring()
    {
        return ring;
    }

    /** @return outputs created with O_DIRECT so far. */
    public long directOutputs()
    {
        return directOutputs.get();
    }

    /** @return inputs opened with O_DIRECT so far. */
    public long directInputs()
    {
        return directInputs.get();
    }

    /**
     * @return reads made so far with {@code pread(2)} on the calling (platform) thread instead of through the ring
     * ({@link PageioDirectoryConfig#callerThreadReads()}); the ring's own reads are in {@code ring().stats()}.
     */
    public long callerReads()
    {
        return callerReads.reads.sum();
    }

    /** @return bytes those {@link #callerReads()} read. */
    public long callerReadBytes()
    {
        return callerReads.bytes.sum();
    }

    @Override
    public IndexOutput createOutput(final String name, final IOContext context) throws IOException
    {
        ensureOpen();
        if (!getPendingDeletions().isEmpty())
        {
            deletePendingFiles(); // FSDirectory's retry of deletes that failed (a name may come back to life)
        }
        return createDirectOutput(name);
    }

    @Override
    public IndexOutput createTempOutput(final String prefix, final String suffix, final IOContext context)
        throws IOException
    {
        ensureOpen();
        while (true)
        {
            final String name = getTempFileName(prefix, suffix, tempCounter.getAndIncrement());
            if (getPendingDeletions().contains(name))
            {
                continue;
            }
            try
            {
                return createDirectOutput(name);
            }
            catch (final FileAlreadyExistsException e)
            {
                // next name
            }
        }
    }

    IndexOutput createDirectOutput(final String name) throws IOException
    {
        final Path path = directory.resolve(name);
        // Created through the Java filesystem (CREATE_NEW semantics, Lucene's test filesystems see it), then
        // opened O_DIRECT without O_CREAT: DirectFile syncs the directory of files it creates, and Lucene
        // makes names durable itself with syncMetaData() at commit.
        Files.createFile(path);
        final DirectFile direct = openDirect(path, EnumSet.of(StandardOpenOption.WRITE), true);
        final IoFile file = adopt(direct);
        directOutputs.incrementAndGet();
        return new PageioIndexOutput(this, name, direct, file, config.writeBlockBytes());
    }

    @Override
    public IndexInput openInput(final String name, final IOContext context) throws IOException
    {
        ensureOpen();
        ensureCanRead(name);
        return openDirectInput(name, context);
    }

    IndexInput openDirectInput(final String name, final IOContext context) throws IOException
    {
        final Path path = directory.resolve(name);
        final DirectFile direct = openDirect(path, EnumSet.of(StandardOpenOption.READ), false);
        final IoFile file = adopt(direct);
        final long length;
        try
        {
            length = direct.size();
        }
        catch (final IOException e)
        {
            file.close();
            throw e;
        }
        final PageioIndexInput.Shared shared;
        try
        {
            shared = new PageioIndexInput.Shared(file, config.callerThreadReads() ? direct : null, callerReads,
                openInputs::remove, length, direct.alignment().offsetAlignment(), direct.alignment().memoryAlignment(),
                config.readBlockBytes(), config.wholeFileReadMaxBytes());
        }
        catch (final IOException | RuntimeException e)
        {
            file.close();
            throw e;
        }
        openInputs.add(shared);
        directInputs.incrementAndGet();
        final boolean sequential = context.readOnce || context.context == IOContext.Context.MERGE;
        return new PageioIndexInput("PageioIndexInput(path=\"" + path + "\" engine=" + ring.engineName() + ")",
            shared, 0, length, BufferedIndexInput.bufferSize(context), sequential, true);
    }

    private static DirectFile openDirect(final Path path, final EnumSet<StandardOpenOption> options,
        final boolean deleteOnRefusal) throws IOException
    {
        final DirectFile direct;
        try
        {
            direct = DirectFile.open(path, options, DirectIoPolicy.OPTIONAL);
        }
        catch (final IOException e)
        {
            if (!Files.exists(path))
            {
                final NoSuchFileException missing = new NoSuchFileException(path.toString());
                missing.initCause(e);
                throw missing;
            }
            throw e;
        }
        if (!direct.direct())
        {
            final String reason = direct.fallbackReason();
            direct.close();
            if (deleteOnRefusal)
            {
                Files.deleteIfExists(path);
            }
            throw new DirectIoRefusedException(path, reason);
        }
        return direct;
    }

    private IoFile adopt(final DirectFile direct) throws IOException
    {
        try
        {
            return ring.adopt(direct);
        }
        catch (final RuntimeException e)
        {
            direct.close();
            throw new IOException("ring refused the file: path=" + direct.path() + " engine=" + ring.engineName() +
                " cause=" + e.getMessage(), e);
        }
    }

    /** An output closed: keep its file open for the next {@link #sync}, closing the oldest beyond the limit. */
    void writtenAndClosed(final String name, final IoFile file)
    {
        IoFile replaced;
        String eldestName = null;
        IoFile eldest = null;
        synchronized (unsynced)
        {
            replaced = unsynced.put(name, file);
            if (unsynced.size() > config.unsyncedFilesMax())
            {
                final Iterator<Map.Entry<String, IoFile>> it = unsynced.entrySet().iterator();
                final Map.Entry<String, IoFile> e = it.next();
                eldestName = e.getKey();
                eldest = e.getValue();
                it.remove();
            }
            if (eldest != null)
            {
                evicted.values().removeIf(f -> f.isDone() && !f.isCompletedExceptionally());
                evicted.put(eldestName, eldest.closeAsync());
            }
        }
        if (replaced != null)
        {
            replaced.closeAsync();
        }
    }

    /** @return true when a file written here is held open for a barrier at the next {@link #sync}. */
    boolean holdsUnsynced(final String name)
    {
        synchronized (unsynced)
        {
            return unsynced.containsKey(name) || evicted.containsKey(name);
        }
    }

    /** A file is gone: close what this directory still holds of it (a barrier on the ring, see class doc). */
    void forget(final String name)
    {
        final IoFile file;
        synchronized (unsynced)
        {
            file = unsynced.remove(name);
            evicted.remove(name);
        }
        if (file != null)
        {
            file.closeAsync();
        }
    }

    void renamed(final String source, final String dest)
    {
        final IoFile replaced;
        synchronized (unsynced)
        {
            final IoFile file = unsynced.remove(source);
            replaced = file == null ? unsynced.remove(dest) : unsynced.put(dest, file);
            final CompletableFuture<Void> close = evicted.remove(source);
            if (close != null)
            {
                evicted.put(dest, close);
            }
        }
        if (replaced != null)
        {
            replaced.closeAsync();
        }
    }

    @Override
    public void sync(final Collection<String> names) throws IOException
    {
        ensureOpen();
        syncDirect(names);
        super.sync(Collections.emptyList()); // FSDirectory retries its pending deletes here
    }

    void syncDirect(final Collection<String> names) throws IOException
    {
        final List<IoFile> group = new ArrayList<>();
        final List<String> reopen = new ArrayList<>();
        final List<CompletableFuture<Void>> earlier = new ArrayList<>();
        for (final String name : names)
        {
            final Path path = directory.resolve(name);
            if (!Files.exists(path))
            {
                throw new NoSuchFileException(path.toString());
            }
        }
        synchronized (unsynced)
        {
            for (final String name : names)
            {
                final IoFile file = unsynced.remove(name); // taken: eviction cannot close it under the barrier
                final CompletableFuture<Void> close = evicted.remove(name);
                if (file != null)
                {
                    group.add(file);
                }
                else if (close != null)
                {
                    earlier.add(close);
                }
                else
                {
                    reopen.add(name);
                }
            }
        }
        IOException failure = null;
        try
        {
            if (!group.isEmpty())
            {
                IoSupport.await(ring.barrier(BarrierMode.DATA, group.toArray(new IoFile[0])), "sync barrier files=" + group);
            }
        }
        catch (final IOException e)
        {
            failure = e;
        }
        finally
        {
            for (final IoFile file : group)
            {
                file.closeAsync(); // covered by the barrier: no system call but close(2)
            }
        }
        for (final CompletableFuture<Void> close : earlier)
        {
            try
            {
                IoSupport.await(close, "sync of a file closed early");
            }
            catch (final IOException e)
            {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null)
        {
            throw failure;
        }
        fsyncThroughRing(reopen);
    }

    /** fsync(2) through the ring of files this directory does not hold open (all issued, then awaited). */
    private void fsyncThroughRing(final List<String> names) throws IOException
    {
        if (names.isEmpty())
        {
            return;
        }
        final List<IoFile> files = new ArrayList<>(names.size());
        final List<CompletableFuture<Long>> syncs = new ArrayList<>(names.size());
        try
        {
            for (final String name : names)
            {
                final Path path = directory.resolve(name);
                final DirectFile direct;
                try
                {
                    direct = DirectFile.open(path, EnumSet.of(StandardOpenOption.READ), DirectIoPolicy.OPTIONAL);
                }
                catch (final IOException e)
                {
                    if (!Files.exists(path))
                    {
                        final NoSuchFileException missing = new NoSuchFileException(path.toString());
                        missing.initCause(e);
                        throw missing;
                    }
                    throw e;
                }
                final IoFile file = adopt(direct);
                files.add(file);
                syncs.add(file.fsync());
            }
            for (int i = 0; i < syncs.size(); i++)
            {
                IoSupport.await(syncs.get(i), "fsync path=" + files.get(i).path());
            }
        }
        finally
        {
            for (final IoFile file : files)
            {
                file.closeAsync();
            }
        }
    }

    @Override
    public void syncMetaData() throws IOException
    {
        ensureOpen();
        DirectFile.syncDirectory(directory);
        super.sync(Collections.emptyList()); // FSDirectory's pending deletes, as its syncMetaData does
    }

    @Override
    public void rename(final String source, final String dest) throws IOException
    {
        super.rename(source, dest); // Files.move(ATOMIC_MOVE): rename(2)
        renamed(source, dest);
    }

    @Override
    public void deleteFile(final String name) throws IOException
    {
        super.deleteFile(name);
        forget(name);
    }

    @Override
    public void close() throws IOException
    {
        if (!closing.compareAndSet(false, true))
        {
            return;
        }
        final List<CompletableFuture<Void>> closes = new ArrayList<>();
        synchronized (unsynced)
        {
            for (final IoFile file : unsynced.values())
            {
                closes.add(file.closeAsync());
            }
            unsynced.clear();
            closes.addAll(evicted.values());
            evicted.clear();
        }
        IOException failure = null;
        for (final CompletableFuture<Void> close : closes)
        {
            try
            {
                IoSupport.await(close, "close of a written file");
            }
            catch (final IOException e)
            {
                failure = failure == null ? e : failure;
            }
        }
        for (final PageioIndexInput.Shared input : openInputs) // inputs left open: the ring closes their files
        {
            try
            {
                input.stopPreads();
            }
            catch (final IOException e)
            {
                failure = failure == null ? e : failure;
            }
        }
        try
        {
            ring.close();
        }
        finally
        {
            super.close();
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    @Override
    public String toString()
    {
        return getClass().getSimpleName() + "@" + directory + " engine=" + ring.engineName() + " lockFactory=" +
            lockFactory;
    }
}
