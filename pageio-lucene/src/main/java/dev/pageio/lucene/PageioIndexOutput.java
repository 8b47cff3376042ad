package dev.pageio.lucene;

import dev.pageio.core.IoFile;
import dev.pageio.direct.DirectFile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Checksum;

import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.BufferedChecksum;
import org.apache.lucene.store.IndexOutput;

/**
 * An {@link IndexOutput} that writes whole aligned blocks with O_DIRECT through a ring, from two alternating
 * aligned buffers: while one block is written asynchronously the next one fills. A full block is submitted
 * only once the block before it completed, so at most one write is in flight and a failure is reported by the
 * next {@code write*} or {@link #close()}.
 *
 * <p>At close the tail is padded with zeros to the file's offset alignment and written whole, then the file is
 * truncated to its logical length (ftruncate after the last write completed). The file then stays open on the
 * ring, handed to the directory, so that {@code Directory.sync} is one barrier over the writes.
 *
 * <p>The checksum is CRC32 over every byte written, as Lucene's codecs require of {@link #getChecksum()}.
 *
 * <p>Threading: one thread at a time (Lucene's contract).
 */
final class PageioIndexOutput extends IndexOutput
{
    private final PageioDirectory directory;
    private final DirectFile direct;
    private final IoFile file;
    private final int blockBytes;
    private final int offsetAlignment;
    private final int memoryAlignment;
    private final Checksum checksum = new BufferedChecksum(new CRC32());
    private final PendingIo inFlight = new PendingIo();
    private ByteBuffer filling;
    private ByteBuffer spare;
    /** File offset where {@link #filling} starts: bytes already submitted. */
    private long submittedBytes;
    private boolean closed;

    PageioIndexOutput(final PageioDirectory directory, final String name, final DirectFile direct, final IoFile file,
        final int blockBytes)
    {
        super("PageioIndexOutput(path=\"" + direct.path() + "\" engine=" + file.ring().engineName() + ")", name);
        this.directory = directory;
        this.direct = direct;
        this.file = file;
        this.offsetAlignment = direct.alignment().offsetAlignment();
        this.memoryAlignment = direct.alignment().memoryAlignment();
        this.blockBytes = IoSupport.alignUp(blockBytes, offsetAlignment);
        this.filling = IoSupport.allocateAligned(this.blockBytes, memoryAlignment);
    }

    @Override
    public void writeByte(final byte b) throws IOException
    {
        ensureOpen();
        filling.put(b);
        checksum.update(b);
        if (!filling.hasRemaining())
        {
            submitFilling(blockBytes);
        }
    }

    @Override
    public void writeBytes(final byte[] b, final int offset, final int length) throws IOException
    {
        ensureOpen();
        int from = offset;
        int left = length;
        while (left > 0)
        {
            final int n = Math.min(left, filling.remaining());
            filling.put(b, from, n);
            checksum.update(b, from, n);
            from += n;
            left -= n;
            if (!filling.hasRemaining())
            {
                submitFilling(blockBytes);
            }
        }
    }

    /** Waits for the block in flight, submits the filled one (lengthBytes, aligned) and swaps buffers. */
    private void submitFilling(final int lengthBytes) throws IOException
    {
        inFlight.await(this);
        final ByteBuffer block = filling;
        block.position(0).limit(lengthBytes);
        inFlight.begin();
        try
        {
            file.write(submittedBytes, block, inFlight, null, 0);
        }
        catch (final RuntimeException e)
        {
            inFlight.cancelBegin();
            throw new IOException("write refused: " + describe(submittedBytes) + " cause=" + e.getMessage(), e);
        }
        submittedBytes += lengthBytes;
        if (spare == null)
        {
            spare = IoSupport.allocateAligned(blockBytes, memoryAlignment);
        }
        filling = spare;
        spare = block;
        filling.clear();
    }

    private String describe(final long fileOffset)
    {
        return "write path=" + direct.path() + " offset=" + Math.max(0, fileOffset);
    }

    @Override
    public long getFilePointer()
    {
        return submittedBytes + filling.position();
    }

    @Override
    public long getChecksum()
    {
        return checksum.getValue();
    }

    private void ensureOpen()
    {
        if (closed)
        {
            throw new AlreadyClosedException("output closed: " + this);
        }
    }

    @Override
    public void close() throws IOException
    {
        if (closed)
        {
            return;
        }
        closed = true;
        boolean handedOver = false;
        try
        {
            final long length = getFilePointer();
            final int tail = filling.position();
            if (tail > 0)
            {
                final int padded = IoSupport.alignUp(tail, offsetAlignment);
                while (filling.position() < padded)
                {
                    filling.put((byte)0);
                }
                submitFilling(padded);
            }
            inFlight.await(this);
            if (submittedBytes != length)
            {
                direct.truncate(length);
            }
            directory.writtenAndClosed(getName(), file);
            handedOver = true;
        }
        finally
        {
            if (!handedOver)
            {
                file.closeAsync(); // the descriptor closes once the write in flight (if any) completed
            }
        }
    }
}
