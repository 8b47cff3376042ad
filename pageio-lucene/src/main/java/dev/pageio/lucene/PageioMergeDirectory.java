package dev.pageio.lucene;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalLong;

import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.apache.lucene.store.NoLockFactory;

/**
 * The production mode ({@link PageioDirectory#forMerges(FSDirectory)}): merges and flushes expected to write at
 * least {@link #minBytesDirect()} go through pageio with O_DIRECT (outputs, and the merge's reads of its
 * inputs); everything else, searches above all, stays on the delegate (typically {@code MMapDirectory}), whose
 * page cache a merge then does not evict. This is how Lucene's {@code DirectIODirectory} (lucene-misc) splits
 * the work, with pageio's asynchronous double-buffered writes and group barriers in place of its blocking
 * {@code FileChannel}.
 *
 * <p>Where the filesystem refuses O_DIRECT, every file goes to the delegate and the reason is logged once
 * ({@link #refusedReason()}).
 *
 * <p>Threading: any thread.
 */
public final class PageioMergeDirectory extends FilterDirectory
{
    /** Default smallest expected merge or flush to go through O_DIRECT: 10 MiB, as {@code DirectIODirectory}. */
    public static final long DEFAULT_MIN_BYTES_DIRECT = 10L * 1024 * 1024;

    private static final System.Logger LOGGER = System.getLogger(PageioMergeDirectory.class.getName());

    private final PageioDirectory direct;
    private final long minBytesDirect;
    private volatile String refusedReason;
    private volatile boolean open = true;

    /**
     * @param delegate       the directory for everything but large merges and flushes; closed with this one.
     * @param config         the pageio side's engine and sizes.
     * @param minBytesDirect the smallest expected merge (or flushed segment) that goes through O_DIRECT, &ge; 0.
     * @throws IOException when no ring could open.
     */
    public PageioMergeDirectory(final FSDirectory delegate, final PageioDirectoryConfig config,
        final long minBytesDirect) throws IOException
    {
        super(delegate);
        if (minBytesDirect < 0)
        {
            throw new IllegalArgumentException("minBytesDirect negative: minBytesDirect=" + minBytesDirect);
        }
        this.minBytesDirect = minBytesDirect;
        // Same path, no lock: the delegate holds the index's write lock.
        this.direct = new PageioDirectory(delegate.getDirectory(), NoLockFactory.INSTANCE, config);
    }

    /** @return the smallest expected merge or flush written with O_DIRECT. */
    public long minBytesDirect()
    {
        return minBytesDirect;
    }

    /** @return the pageio side (engine, counters). */
    public PageioDirectory direct()
    {
        return direct;
    }

    /** @return why O_DIRECT was refused on this directory (path, filesystem, errno), or null. */
    public String refusedReason()
    {
        return refusedReason;
    }

    /**
     * @param context the I/O context.
     * @param fileLength the file's length when known.
     * @return true when a file goes through pageio O_DIRECT (Lucene's {@code DirectIODirectory} rule, extended to
     * large flushes).
     */
    boolean useDirectIo(final IOContext context, final OptionalLong fileLength)
    {
        if (refusedReason != null)
        {
            return false;
        }
        final boolean large;
        if (context.context == IOContext.Context.MERGE)
        {
            large = context.mergeInfo.estimatedMergeBytes >= minBytesDirect;
        }
        else if (context.context == IOContext.Context.FLUSH)
        {
            large = context.flushInfo.estimatedSegmentSize >= minBytesDirect;
        }
        else
        {
            large = false;
        }
        return large && fileLength.orElse(minBytesDirect) >= minBytesDirect;
    }

    @Override
    public IndexOutput createOutput(final String name, final IOContext context) throws IOException
    {
        ensureOpen();
        if (useDirectIo(context, OptionalLong.empty()))
        {
            try
            {
                return direct.createDirectOutput(name);
            }
            catch (final DirectIoRefusedException e)
            {
                refused(e);
            }
        }
        return in.createOutput(name, context);
    }

    @Override
    public IndexInput openInput(final String name, final IOContext context) throws IOException
    {
        ensureOpen();
        if (useDirectIo(context, OptionalLong.of(in.fileLength(name))))
        {
            try
            {
                return direct.openDirectInput(name, context);
            }
            catch (final DirectIoRefusedException e)
            {
                refused(e);
            }
        }
        return in.openInput(name, context);
    }

    private void refused(final DirectIoRefusedException e)
    {
        synchronized (this)
        {
            if (refusedReason != null)
            {
                return;
            }
            refusedReason = e.reason();
        }
        LOGGER.log(System.Logger.Level.WARNING, "pageio: O_DIRECT refused, every file of this directory goes to " +
            "the delegate: delegate=" + in + " reason=" + e.reason());
    }

    @Override
    public void sync(final Collection<String> names) throws IOException
    {
        ensureOpen();
        final List<String> mine = new ArrayList<>();
        final List<String> theirs = new ArrayList<>();
        for (final String name : names)
        {
            (direct.holdsUnsynced(name) ? mine : theirs).add(name);
        }
        if (!mine.isEmpty())
        {
            direct.syncDirect(mine);
        }
        in.sync(theirs);
    }

    @Override
    public void rename(final String source, final String dest) throws IOException
    {
        ensureOpen();
        in.rename(source, dest);
        direct.renamed(source, dest);
    }

    @Override
    public void deleteFile(final String name) throws IOException
    {
        ensureOpen();
        in.deleteFile(name);
        direct.forget(name);
    }

    @Override
    protected void ensureOpen() throws AlreadyClosedException
    {
        if (!open)
        {
            throw new AlreadyClosedException("this Directory is closed");
        }
    }

    @Override
    public void close() throws IOException
    {
        open = false;
        try
        {
            direct.close();
        }
        finally
        {
            in.close();
        }
    }

    @Override
    public String toString()
    {
        return "PageioMergeDirectory(" + in + " direct=" + direct.engine() + " minBytesDirect=" + minBytesDirect +
            (refusedReason == null ? "" : " refused=" + refusedReason) + ")";
    }
}
