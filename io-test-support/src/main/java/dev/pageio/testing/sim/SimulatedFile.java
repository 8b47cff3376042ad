package dev.pageio.testing.sim;

import dev.pageio.core.Errno;
import dev.pageio.core.IoOp;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.RequestOp;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One file on the simulated device: a volatile cache and a durable store, at the granularity of the records the
 * device completed (a record is one completed kernel write: a whole write, or one part of a short one). No
 * descriptor (fd -1).
 *
 * <p>Model (BARRIER.md, "How to prove it"):
 * <ul>
 *   <li>The device's completion log lists every completed write record in completion order; a completed write is
 *   volatile.</li>
 *   <li>A sync takes, when it is <em>issued</em> (the backend's submit), the length of the log: its snapshot. When
 *   it completes successfully, the durable prefix grows to that snapshot: it makes durable exactly the writes that
 *   had completed when it was issued, never those that completed while it ran.</li>
 *   <li>A failed sync drops the volatile records of its snapshot for good (Linux marks the pages clean after a
 *   writeback error): a later sync returning 0 does not bring them back.</li>
 *   <li>Errors are reported like the kernel's errseq: a failed write, or a latent writeback error, makes the
 *   <em>next</em> sync return EIO; the one after returns 0 again (fsyncgate).</li>
 *   <li>A file opened O_DSYNC ({@link #dsync()}) makes each write durable when it completes: the durable prefix
 *   grows to the end of the log at every completion, and a latent writeback error fails the write itself (the
 *   kernel reports an O_DSYNC write's sync failure as the write's result).</li>
 *   <li>{@link #crash} builds the image a reboot would see, sector by sector: the durable prefix, plus (by mode)
 *   nothing, a random subset of the volatile records, or that subset and one volatile record torn after a random
 *   number of sectors.</li>
 * </ul>
 *
 * <p>Test writes carry a pattern: every 8-byte word is {@code tag << 32 | (fileOffset / 8)}, so each record says
 * which write it belongs to (the tag) and the device checks that every byte landed at the right offset (short
 * writes resubmitted from the right buffer position). Offsets and lengths are multiples of {@link #SECTOR}.
 *
 * <p>Threading: faults are set before the file is adopted by a ring; everything else is the ring agent's (the
 * backend's), except the counters marked atomic. Tests inspect the rest after the ring closed, or from handlers.
 */
public final class SimulatedFile extends FileAccess
{
    /** The device's unit of atomicity. */
    public static final int SECTOR = 512;

    /** What a crash keeps of the volatile cache. */
    public enum CrashMode
    {
        /** Only the durable store survives. */
        DROP_VOLATILE,
        /** A random subset of the volatile records survives too (written back before the crash). */
        RANDOM_SUBSET,
        /** A random subset, and one more volatile record torn after a random number of sectors. */
        TEAR
    }

    /** One completed write record. */
    public static final class Record
    {
        /** Position in the completion log. */
        public final int index;
        /** File offset. */
        public final long offset;
        /** Length in bytes. */
        public final int length;
        /** The write's tag (from the pattern), 0 when the data had no valid pattern. */
        public final long tag;
        boolean lost;
        /** The bytes written, kept only by a {@link #raw()} file. */
        byte[] data;

        Record(final int index, final long offset, final int length, final long tag)
        {
            this.index = index;
            this.offset = offset;
            this.length = length;
            this.tag = tag;
        }

        /** @return true when a failed sync dropped it: it can never become durable. */
        public boolean lost()
        {
            return lost;
        }
    }

    private final List<Record> log = new ArrayList<>();
    private int durablePrefix;
    private int pendingErrno;
    private int firstErrno;
    private int writesIssued;
    private int syncsCompleted;
    private final List<String> problems = new ArrayList<>();
    private final AtomicLong syncsIssued = new AtomicLong();
    private final List<IoOp> syncOps = new CopyOnWriteArrayList<>();

    private int failWriteNumber;
    private int failWriteErrno = Errno.EIO;
    private long failWriteOffset = -1;
    private int latentWriteErrorNumber;
    private int failSyncNumber;
    private boolean pageCache;
    private boolean dsync;

    private boolean raw;

    /** @param path a name for messages (nothing is created). */
    public SimulatedFile(final Path path)
    {
        super(path);
    }

    /**
     * A raw file whose durable content, after a reboot, is {@code content} (a crash image of another file).
     *
     * @param path    a name for messages.
     * @param content the bytes from offset 0, a whole number of sectors.
     */
    public SimulatedFile(final Path path, final byte[] content)
    {
        super(path);
        raw = true;
        if (content.length > 0)
        {
            final Record r = new Record(0, 0, content.length, 0);
            r.data = content.clone();
            log.add(r);
            durablePrefix = 1;
        }
    }

    /**
     * Keeps the bytes of every write instead of checking the test pattern: for files written by code that writes
     * its own format (a log). {@link #crashBytes} and reads then give back the real bytes. Set before use.
     *
     * @return this.
     */
    public SimulatedFile raw()
    {
        raw = true;
        return this;
    }

    // ---------------------------------------------------------------------------------------- fault injection

    /**
     * The n-th write the device receives (1-based, short-write parts count) fails with errno.
     *
     * @param n     which write.
     * @param errno its errno.
     * @return this.
     */
    public SimulatedFile failWrite(final int n, final int errno)
    {
        failWriteNumber = n;
        failWriteErrno = errno;
        return this;
    }

    /**
     * Every write covering the sector at {@code fileOffset} fails with ENOSPC (a full device).
     *
     * @param fileOffset a byte of the sector.
     * @return this.
     */
    public SimulatedFile failWritesAt(final long fileOffset)
    {
        failWriteOffset = fileOffset;
        return this;
    }

    /**
     * The n-th write completes (volatile), but its writeback fails: lost, and the next sync returns EIO.
     *
     * @param n which write (1-based).
     * @return this.
     */
    public SimulatedFile latentWriteError(final int n)
    {
        latentWriteErrorNumber = n;
        return this;
    }

    /**
     * The n-th sync (1-based) fails with EIO; later ones return 0 again.
     *
     * @param n which sync.
     * @return this.
     */
    public SimulatedFile failSync(final int n)
    {
        failSyncNumber = n;
        return this;
    }

    /**
     * The file is opened through the page cache ({@link #direct()} false) instead of O_DIRECT.
     *
     * @return this.
     */
    public SimulatedFile pageCache()
    {
        pageCache = true;
        return this;
    }

    /**
     * The file is opened O_DSYNC: a completed write is durable ({@link #syncWrites()} true, BARRIER.md rule 10).
     *
     * @return this.
     */
    public SimulatedFile dsync()
    {
        dsync = true;
        return this;
    }

    // ---------------------------------------------------------------------------------------- device (agent)

    /** @return the result a write of {@code length} bytes at {@code fileOffset} will have: length or -errno. */
    int startWrite(final long fileOffset, final int length)
    {
        writesIssued++;
        if (writesIssued == failWriteNumber)
        {
            return -failWriteErrno;
        }
        if (dsync && writesIssued == latentWriteErrorNumber)
        {
            // O_DSYNC: the writeback is part of the write, so its failure is the write's result.
            return -Errno.EIO;
        }
        if (failWriteOffset >= 0 && fileOffset <= failWriteOffset && failWriteOffset < fileOffset + length)
        {
            return -Errno.ENOSPC;
        }
        return length;
    }

    /** A write completed at the device: volatile from now on. */
    void completeWrite(final long fileOffset, final byte[] data, final int result)
    {
        if (result < 0)
        {
            // Nothing was written; the error is also reported by the next sync (once).
            noteError(-result);
            pendingErrno = -result;
            return;
        }
        if (fileOffset % SECTOR != 0 || data.length % SECTOR != 0)
        {
            problems.add("write not sector-aligned: offset=" + fileOffset + " length=" + data.length);
        }
        final long tag = raw ? 0 : checkPattern(fileOffset, data);
        final Record r = new Record(log.size(), fileOffset, data.length, tag);
        if (raw)
        {
            r.data = data;
        }
        if (++completedWrites == latentWriteErrorNumber && !dsync)
        {
            r.lost = true;
            pendingErrno = Errno.EIO;
        }
        log.add(r);
        if (dsync)
        {
            durablePrefix = log.size();
        }
    }

    private int completedWrites;

    private long checkPattern(final long fileOffset, final byte[] data)
    {
        final ByteBuffer b = ByteBuffer.wrap(data);
        final long tag = data.length >= 8 ? b.getLong(0) >>> 32 : 0;
        for (int i = 0; i + 8 <= data.length; i += 8)
        {
            final long expected = tag << 32 | (((fileOffset + i) >>> 3) & 0xFFFF_FFFFL);
            if (b.getLong(i) != expected)
            {
                problems.add("write pattern broken: offset=" + (fileOffset + i) + " tag=" + tag +
                    " word=" + Long.toHexString(b.getLong(i)) + " expected=" + Long.toHexString(expected));
                return 0;
            }
        }
        return tag;
    }

    /** A sync ({@code op}: FSYNC or FDATASYNC) is issued: @return its snapshot (the log length now). */
    int issueSync(final RequestOp op)
    {
        syncOps.add(IoOp.valueOf(op.name())); // the SPI's copy of the operation, named as the API names it
        syncsIssued.incrementAndGet();
        return log.size();
    }

    /** A sync issued with {@code snapshot} completes at the device: @return 0 or -errno. */
    int completeSync(final int snapshot)
    {
        syncsCompleted++;
        int errno = 0;
        if (syncsCompleted == failSyncNumber)
        {
            errno = Errno.EIO;
        }
        else if (pendingErrno != 0)
        {
            errno = pendingErrno;
        }
        pendingErrno = 0;
        if (errno != 0)
        {
            for (int i = durablePrefix; i < snapshot; i++)
            {
                log.get(i).lost = true;
            }
            noteError(errno);
            return -errno;
        }
        durablePrefix = Math.max(durablePrefix, snapshot);
        return 0;
    }

    private void noteError(final int errno)
    {
        if (firstErrno == 0)
        {
            firstErrno = errno;
        }
    }

    /** Reads the newest content (every completed record) into {@code dst}: @return bytes read. */
    int readCurrent(final long fileOffset, final byte[] dst)
    {
        final long size = size();
        final int n = (int)Math.max(0, Math.min(dst.length, size - fileOffset));
        Arrays.fill(dst, (byte)0);
        if (raw)
        {
            for (final Record r : log)
            {
                final long from = Math.max(r.offset, fileOffset);
                final long to = Math.min(r.offset + r.length, fileOffset + n);
                if (from < to)
                {
                    System.arraycopy(r.data, (int)(from - r.offset), dst, (int)(from - fileOffset), (int)(to - from));
                }
            }
            return n;
        }
        for (final Record r : log)
        {
            // Only the pattern's tag is kept, so the bytes are rebuilt from it.
            for (long o = Math.max(r.offset, fileOffset) & ~7L; o + 8 <= Math.min(r.offset + r.length, fileOffset + n); o += 8)
            {
                ByteBuffer.wrap(dst).putLong((int)(o - fileOffset), r.tag << 32 | ((o >>> 3) & 0xFFFF_FFFFL));
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------- inspection

    /** @return true once an error (failed write or failed sync) was delivered to the ring. Agent thread. */
    public boolean errorDelivered()
    {
        return firstErrno != 0;
    }

    /** @return the errno of the first error delivered, 0 if none. */
    public int firstErrno()
    {
        return firstErrno;
    }

    /** @return syncs issued to the device (any thread). */
    public long syncsIssued()
    {
        return syncsIssued.get();
    }

    /** @return the operation of every sync issued to the device, in issue order (any thread). */
    public List<IoOp> syncOps()
    {
        return List.copyOf(syncOps);
    }

    /** @return the completion log (agent thread, or after close). */
    public List<Record> log()
    {
        return log;
    }

    /** @return how many records of the log are in the durable store (unless lost). */
    public int durablePrefix()
    {
        return durablePrefix;
    }

    /** @return model violations the device saw (misaligned or misplaced bytes). */
    public List<String> problems()
    {
        return problems;
    }

    /**
     * @param tag the write's tag.
     * @return bytes of the write with this tag that are in the durable store.
     */
    public long durableBytes(final long tag)
    {
        long n = 0;
        for (int i = 0; i < durablePrefix; i++)
        {
            final Record r = log.get(i);
            if (r.tag == tag && !r.lost)
            {
                n += r.length;
            }
        }
        return n;
    }

    /**
     * @param tag the write's tag.
     * @return the records of the write with this tag, in completion order.
     */
    public List<Record> records(final long tag)
    {
        final List<Record> out = new ArrayList<>();
        for (final Record r : log)
        {
            if (r.tag == tag)
            {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * The image a reboot would see.
     *
     * @param mode   which crash.
     * @param random the choices the crash makes (seeded by the caller, for replay).
     * @return for each sector of the file, the log index of the record whose bytes it holds, or -1.
     */
    public int[] crash(final CrashMode mode, final Random random)
    {
        final int[] image = new int[(int)(size() / SECTOR) + 1];
        Arrays.fill(image, -1);
        int torn = -1;
        if (mode == CrashMode.TEAR && log.size() > durablePrefix)
        {
            torn = durablePrefix + random.nextInt(log.size() - durablePrefix);
        }
        for (final Record r : log)
        {
            int sectors = r.length / SECTOR;
            if (r.lost)
            {
                continue;
            }
            if (r.index >= durablePrefix)
            {
                if (r.index == torn)
                {
                    sectors = random.nextInt(sectors + 1);
                }
                else if (mode == CrashMode.DROP_VOLATILE || random.nextBoolean())
                {
                    continue;
                }
            }
            for (int s = 0; s < sectors; s++)
            {
                image[(int)(r.offset / SECTOR) + s] = r.index;
            }
        }
        return image;
    }

    /**
     * The bytes a reboot would see, of a {@link #raw()} file: {@link #crash} made into content (zeros where no
     * surviving record wrote).
     *
     * @param mode   what survives of the volatile cache.
     * @param random the seeded choice of survivors and tear.
     * @return the content from offset 0.
     */
    public byte[] crashBytes(final CrashMode mode, final Random random)
    {
        if (!raw)
        {
            throw new IllegalStateException("crashBytes needs a raw file: path=" + path());
        }
        final int[] image = crash(mode, random);
        final byte[] out = new byte[(image.length - 1) * SECTOR];
        for (int s = 0; s < image.length - 1; s++)
        {
            if (image[s] >= 0)
            {
                final Record r = log.get(image[s]);
                System.arraycopy(r.data, (int)((long)s * SECTOR - r.offset), out, s * SECTOR, SECTOR);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- FileAccess

    @Override
    public int fd()
    {
        return -1;
    }

    /** @return true when {@link #dsync()} was called: a completed write is durable. */
    @Override
    public boolean syncWrites()
    {
        return dsync;
    }

    /** @return true (an O_DIRECT file on the simulated device) unless {@link #pageCache()} was called. */
    @Override
    public boolean direct()
    {
        return !pageCache;
    }

    @Override
    public int offsetAlignment()
    {
        return SECTOR;
    }

    @Override
    public int read(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
    {
        throw new UnsupportedOperationException("the simulated file is reached through the simulated engine only");
    }

    @Override
    public int write(final ByteBuffer buffer, final int bufferPosition, final int length, final long fileOffset)
    {
        throw new UnsupportedOperationException("the simulated file is reached through the simulated engine only");
    }

    @Override
    public void sync(final boolean metadata)
    {
        throw new UnsupportedOperationException("the simulated file is reached through the simulated engine only");
    }

    @Override
    public long size()
    {
        long size = 0;
        for (final Record r : log)
        {
            size = Math.max(size, r.offset + r.length);
        }
        return size;
    }

    @Override
    public void close()
    {
    }
}
