package dev.pageio.direct;

import dev.pageio.core.Errno;
import dev.pageio.linux.Linux;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded pool of off-heap page buffers aligned for O_DIRECT: one region from posix_memalign, cut into
 * {@code bufferCount} buffers of {@code bufferSizeBytes}, each starting at a multiple of
 * {@link #alignment()} = max(memory alignment, 4096) so a buffer is both O_DIRECT-aligned and page-aligned
 * (what io_uring buffer registration pins). Buffers are native-order direct {@link ByteBuffer}s; acquire
 * hands one out with position 0 and limit = capacity.
 *
 * <p>Threading: {@link #tryAcquire()}, {@link #acquire(long)} and {@link #release(ByteBuffer)} from any
 * thread, lock-free (a JCTools MPMC queue of free slot indices, a CAS per slot state); acquire and release
 * allocate nothing in {@link Mode#FAST}.
 *
 * <p>Misuse caught:
 * <ul>
 *   <li>releasing a buffer that is not one of this pool's (another pool's, a heap buffer, a slice or a
 *   duplicate): {@link IllegalArgumentException};</li>
 *   <li>releasing a buffer twice: {@link IllegalArgumentException}. In FAST mode only while the slot is still
 *   free: once another thread has acquired the same slot again, the second release cannot be told from that
 *   thread's. CHECKED mode tells them apart (each lease is a distinct view object);</li>
 *   <li>using a buffer after release, in {@link Mode#CHECKED} only, and only writes: a released buffer is
 *   filled with a poison byte ({@code 0xDB}) and checked on its next acquire; a write after release (by Java
 *   code or by a read I/O still in flight into it) is then an {@link IllegalStateException} naming the slot and
 *   offset. Reads after release are not caught, but see poison instead of data. A Java {@code ByteBuffer}
 *   cannot be revoked, so nothing is caught at the moment of the misuse;</li>
 *   <li>any call after {@link #close()}: {@link IllegalStateException}; except releasing a buffer that was out
 *   when the pool closed, which is how memory still under I/O is given back;</li>
 *   <li>releasing a buffer still held by in-flight I/O (marked by {@link #ioStarted}/{@link #ioEnded}, as
 *   {@link PageStore}'s future-returning page I/O does): refused with {@link IllegalStateException} in
 *   {@link Mode#CHECKED}; in {@link Mode#FAST} the release is deferred, and the buffer returns to the free list
 *   only when its last I/O ended, so memory the kernel may still write into is never handed to someone else.
 *   Closing a CHECKED pool while any buffer is in flight is refused the same way; a FAST pool's close is
 *   deferred (below).</li>
 * </ul>
 *
 * <p>Memory: {@link #close()} frees the region at once when every buffer is back, else when the last one
 * comes back, so a buffer still under I/O never points to freed memory. Touching a buffer after its release
 * and the pool's close is touching freed memory: the one rule the caller must keep.
 */
public final class AlignedBufferPool implements AutoCloseable
{
    /** How much checking acquire and release do. */
    public enum Mode
    {
        /** Allocation-free: the same buffer object per slot; foreign and (most) double releases caught. */
        FAST,
        /** For tests: a new view per lease, stale views caught, released buffers poisoned and verified. */
        CHECKED
    }

    /** The byte a released buffer is filled with in {@link Mode#CHECKED}. */
    public static final byte POISON = (byte)0xDB;
    private static final int FREE = 0;
    private static final int LEASED = 1;
    /** In {@link #io}: a FAST release waits for the slot's in-flight I/O to end. */
    private static final int RELEASE_PENDING = 1 << 30;
    private static final AtomicLong NATIVE_BYTES = new AtomicLong();

    private final Mode mode;
    private final int bufferCount;
    private final int bufferSizeBytes;
    private final int alignment;
    private final int strideBytes;
    private final long regionBytes;
    private final long baseAddress;
    private final ByteBuffer[] buffers;
    private final Integer[] indices;
    private final AtomicIntegerArray state;
    /** Per slot: I/Os in flight on the buffer ({@link #ioStarted}), | {@link #RELEASE_PENDING}. */
    private final AtomicIntegerArray io;
    private final AtomicReferenceArray<ByteBuffer> leases;
    private final MpmcVarHandleArrayQueue<Integer> free;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile int lentAtClose = -1;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean freed = new AtomicBoolean();

    /**
     * @param bufferCount     how many buffers, 1 to 1,048,576.
     * @param bufferSizeBytes bytes per buffer, 1 to 1 GiB (usually the page size).
     * @param memoryAlignment the file's memory alignment (a power of two); buffers are aligned to
     *                        max(memoryAlignment, 4096).
     * @param mode            {@link Mode#FAST} or {@link Mode#CHECKED}.
     * @throws IllegalArgumentException on a bad size or alignment.
     * @throws OutOfMemoryError when posix_memalign fails.
     */
    public AlignedBufferPool(final int bufferCount, final int bufferSizeBytes, final int memoryAlignment,
        final Mode mode)
    {
        if (bufferCount < 1 || bufferCount > (1 << 20))
        {
            throw new IllegalArgumentException("bufferCount out of range: bufferCount=" + bufferCount +
                " range=1..1048576");
        }
        if (bufferSizeBytes < 1 || bufferSizeBytes > (1 << 30))
        {
            throw new IllegalArgumentException("bufferSizeBytes out of range: bufferSizeBytes=" + bufferSizeBytes +
                " range=1..1073741824");
        }
        if (memoryAlignment < 1 || (memoryAlignment & (memoryAlignment - 1)) != 0 || memoryAlignment > (1 << 30))
        {
            throw new IllegalArgumentException("memoryAlignment not a power of two: memoryAlignment=" +
                memoryAlignment);
        }
        if (mode == null)
        {
            throw new IllegalArgumentException("mode is null: allowed=FAST,CHECKED");
        }
        this.mode = mode;
        this.bufferCount = bufferCount;
        this.bufferSizeBytes = bufferSizeBytes;
        this.alignment = Math.max(memoryAlignment, 4096);
        final long stride = ((long)bufferSizeBytes + alignment - 1) & -(long)alignment;
        if (stride > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("buffer stride too large: bufferSizeBytes=" + bufferSizeBytes +
                " alignment=" + alignment);
        }
        this.strideBytes = (int)stride;
        this.regionBytes = stride * bufferCount;

        final ByteBuffer slot = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
        final int r = Linux.posixMemalign(Linux.address(slot), alignment, regionBytes);
        if (r < 0)
        {
            throw new OutOfMemoryError("posix_memalign failed: bytes=" + regionBytes + " alignment=" + alignment +
                " errno=" + Errno.name(-r));
        }
        this.baseAddress = slot.getLong(0);
        NATIVE_BYTES.addAndGet(regionBytes);
        Linux.memset(baseAddress, mode == Mode.CHECKED ? POISON : 0, regionBytes);

        buffers = new ByteBuffer[bufferCount];
        indices = new Integer[bufferCount];
        state = new AtomicIntegerArray(bufferCount);
        io = new AtomicIntegerArray(bufferCount);
        leases = new AtomicReferenceArray<>(bufferCount);
        free = new MpmcVarHandleArrayQueue<>(Math.max(2, bufferCount));
        for (int i = 0; i < bufferCount; i++)
        {
            buffers[i] = Linux.wrap(baseAddress + (long)i * strideBytes, bufferSizeBytes);
            indices[i] = i;
            free.offer(indices[i]);
        }
    }

    /**
     * A pool for one O_DIRECT file: buffers of {@code pageSizeBytes}, aligned for it.
     *
     * @param file          the file whose {@link DirectFile#memoryAlignment()} the buffers need.
     * @param bufferCount   how many buffers.
     * @param pageSizeBytes bytes per buffer; must be a multiple of the file's offset alignment.
     * @param mode          FAST or CHECKED.
     * @return the pool.
     */
    public static AlignedBufferPool forFile(final DirectFile file, final int bufferCount, final int pageSizeBytes,
        final Mode mode)
    {
        if (pageSizeBytes % file.offsetAlignment() != 0)
        {
            throw new IllegalArgumentException("page size not aligned: pageSizeBytes=" + pageSizeBytes +
                " alignment=" + file.offsetAlignment());
        }
        return new AlignedBufferPool(bufferCount, pageSizeBytes, file.memoryAlignment(), mode);
    }

    /** @return native bytes held by all pools of this JVM that are not yet freed (a leak check for tests). */
    public static long nativeBytesAllocated()
    {
        return NATIVE_BYTES.get();
    }

    /** @return FAST or CHECKED. */
    public Mode mode()
    {
        return mode;
    }

    /** @return how many buffers the pool has. */
    public int bufferCount()
    {
        return bufferCount;
    }

    /** @return bytes per buffer (each buffer's capacity). */
    public int bufferSizeBytes()
    {
        return bufferSizeBytes;
    }

    /** @return the alignment of every buffer's address: max(memory alignment, 4096). */
    public int alignment()
    {
        return alignment;
    }

    /** @return buffers handed out and not yet released. */
    public int outstanding()
    {
        return outstanding.get();
    }

    /** @return true once {@link #close()} was called. */
    public boolean isClosed()
    {
        return closed.get();
    }

    private void ensureOpen()
    {
        if (closed.get())
        {
            throw new IllegalStateException("pool closed: bufferCount=" + bufferCount + " bufferSizeBytes=" +
                bufferSizeBytes);
        }
    }

    /**
     * Takes a free buffer without waiting.
     *
     * @return a buffer (position 0, limit = capacity, native order), or null when every buffer is in use.
     * @throws IllegalStateException after close, or (CHECKED) when the buffer was written after release.
     */
    public ByteBuffer tryAcquire()
    {
        // outstanding is raised before the closed check, so close() cannot free the region under this call.
        outstanding.incrementAndGet();
        if (closed.get())
        {
            returnOutstanding();
            ensureOpen();
        }
        final Integer index = free.poll();
        if (index == null)
        {
            returnOutstanding();
            return null;
        }
        final int i = index;
        if (!state.compareAndSet(i, FREE, LEASED))
        {
            throw new IllegalStateException("pool slot not free on acquire: index=" + i);
        }
        final ByteBuffer buffer = buffers[i];
        if (mode == Mode.FAST)
        {
            buffer.clear();
            buffer.order(ByteOrder.nativeOrder());
            return buffer;
        }
        final int dirty = BufferPoison.firstNonPoison(buffer);
        if (dirty >= 0)
        {
            final byte found = buffer.get(dirty);
            BufferPoison.poison(baseAddress + (long)i * strideBytes, bufferSizeBytes);
            state.set(i, FREE);
            free.offer(index);
            returnOutstanding();
            throw BufferPoison.writtenAfterRelease(i, dirty, found);
        }
        final ByteBuffer view = buffer.duplicate().order(ByteOrder.nativeOrder());
        leases.set(i, view);
        return view;
    }

    /**
     * Takes a free buffer, failing fast.
     *
     * @return a buffer.
     * @throws PoolExhaustedException when every buffer is in use.
     */
    public ByteBuffer acquire()
    {
        final ByteBuffer buffer = tryAcquire();
        if (buffer == null)
        {
            throw new PoolExhaustedException("no free buffer: bufferCount=" + bufferCount + " timeoutNs=0");
        }
        return buffer;
    }

    /**
     * Takes a free buffer, waiting (spin, yield, then park) up to a timeout.
     *
     * @param timeoutNs how long to wait, &ge; 0.
     * @return a buffer.
     * @throws PoolExhaustedException when none came free in time.
     * @throws InterruptedException   when interrupted while waiting.
     */
    public ByteBuffer acquire(final long timeoutNs) throws InterruptedException
    {
        if (timeoutNs < 0)
        {
            throw new IllegalArgumentException("timeoutNs negative: timeoutNs=" + timeoutNs);
        }
        final long deadline = System.nanoTime() + timeoutNs;
        long parkNs = 1_000;
        for (int attempt = 0; ; attempt++)
        {
            final ByteBuffer buffer = tryAcquire();
            if (buffer != null)
            {
                return buffer;
            }
            if (Thread.interrupted())
            {
                throw new InterruptedException("interrupted waiting for a buffer: bufferCount=" + bufferCount);
            }
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                throw new PoolExhaustedException("no free buffer: bufferCount=" + bufferCount + " timeoutNs=" +
                    timeoutNs);
            }
            if (attempt < 64)
            {
                Thread.onSpinWait();
            }
            else if (attempt < 128)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(Math.min(parkNs, left));
                parkNs = Math.min(parkNs * 2, TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    /**
     * Gives a buffer back. Its contents are not kept.
     *
     * @param buffer a buffer this pool handed out and that was not released since.
     * @throws IllegalArgumentException naming the misuse: a foreign buffer, a double release, a stale view.
     * @throws IllegalStateException    after close, unless the buffer was out when the pool closed.
     */
    public void release(final ByteBuffer buffer)
    {
        final int i = slotOf(buffer);
        if (i < 0)
        {
            ensureOpen();
            throw new IllegalArgumentException("foreign buffer: not from this pool: buffer=" + buffer +
                " poolBase=0x" + Long.toHexString(baseAddress) + " poolBytes=" + regionBytes);
        }
        if (state.get(i) == FREE)
        {
            ensureOpen();
            throw new IllegalArgumentException("double release: buffer already released: index=" + i);
        }
        final ByteBuffer expected = mode == Mode.FAST ? buffers[i] : leases.get(i);
        if (buffer != expected)
        {
            throw new IllegalArgumentException(mode == Mode.CHECKED ?
                "stale buffer: not the view of this slot's current lease (released twice, or a copy): index=" + i :
                "foreign buffer: a copy of a pool buffer, not the one handed out: index=" + i);
        }
        while (true)
        {
            final int ios = io.get(i);
            if ((ios & RELEASE_PENDING) != 0)
            {
                throw new IllegalArgumentException("double release: buffer already released, waiting for its I/O: index=" + i);
            }
            if (ios == 0)
            {
                break;
            }
            if (mode == Mode.CHECKED)
            {
                throw new IllegalStateException("buffer still in flight: index=" + i + " ios=" + ios +
                    ": release it once its I/O has completed (the kernel may still read or write it)");
            }
            if (io.compareAndSet(i, ios, ios | RELEASE_PENDING))
            {
                return; // deferred: ioEnded() of the last I/O finishes the release
            }
        }
        finishRelease(i, buffer);
    }

    private void finishRelease(final int i, final ByteBuffer buffer)
    {
        if (mode == Mode.CHECKED)
        {
            if (!leases.compareAndSet(i, buffer, null))
            {
                throw new IllegalArgumentException("double release: buffer already released: index=" + i);
            }
            BufferPoison.poison(baseAddress + (long)i * strideBytes, bufferSizeBytes);
        }
        if (!state.compareAndSet(i, LEASED, FREE))
        {
            throw new IllegalArgumentException("double release: buffer already released: index=" + i);
        }
        free.offer(indices[i]);
        returnOutstanding();
    }

    /**
     * Marks the start of an I/O that uses {@code buffer} (a read the kernel writes into, a write it reads from),
     * so that a release before {@link #ioEnded} is refused (CHECKED) or deferred (FAST). Any thread; a CAS.
     *
     * @param buffer a buffer, of this pool or not.
     * @return true when it is one of this pool's leased buffers and is now marked; false (nothing done) otherwise.
     */
    public boolean ioStarted(final ByteBuffer buffer)
    {
        final int i = slotOf(buffer);
        if (i < 0 || state.get(i) != LEASED)
        {
            return false;
        }
        io.incrementAndGet(i);
        return true;
    }

    /**
     * Marks the end of an I/O {@link #ioStarted} marked; a release deferred for it completes now.
     *
     * @param buffer the buffer given to {@link #ioStarted}, which answered true.
     */
    public void ioEnded(final ByteBuffer buffer)
    {
        final int i = slotOf(buffer);
        if (i < 0)
        {
            return;
        }
        final int left = io.decrementAndGet(i);
        if (left == RELEASE_PENDING && io.compareAndSet(i, RELEASE_PENDING, 0))
        {
            finishRelease(i, mode == Mode.FAST ? buffers[i] : leases.get(i));
        }
    }

    /** @return buffers with I/O in flight (marked by {@link #ioStarted}); approximate while I/O moves. */
    public int inFlight()
    {
        int n = 0;
        for (int i = 0; i < bufferCount; i++)
        {
            n += (io.get(i) & ~RELEASE_PENDING) > 0 ? 1 : 0;
        }
        return n;
    }

    /** The slot a buffer's address falls on, or -1 when it is not the start of one of this pool's buffers. */
    private int slotOf(final ByteBuffer buffer)
    {
        if (buffer == null || !buffer.isDirect() || buffer.capacity() != bufferSizeBytes || freed.get())
        {
            return -1;
        }
        final long offset = Linux.address(buffer) - baseAddress;
        if (offset < 0 || offset >= regionBytes || offset % strideBytes != 0)
        {
            return -1;
        }
        return (int)(offset / strideBytes);
    }

    private void returnOutstanding()
    {
        if (outstanding.decrementAndGet() == 0 && closed.get())
        {
            freeRegion();
        }
    }

    private void freeRegion()
    {
        if (freed.compareAndSet(false, true))
        {
            Linux.free(baseAddress);
            NATIVE_BYTES.addAndGet(-regionBytes);
        }
    }

    /**
     * The registered-buffer hook: the pool's buffers in slot order, e.g. for io_uring's
     * {@code IORING_REGISTER_BUFFERS} (one iovec per buffer); a buffer's index here is its {@code buf_index}
     * for READ_FIXED/WRITE_FIXED ({@link #indexOf(ByteBuffer)}). The array is a copy; the buffers are the
     * pool's own.
     *
     * @return the buffers.
     * @throws IllegalStateException after close.
     */
    public ByteBuffer[] buffers()
    {
        ensureOpen();
        return buffers.clone();
    }

    /** @return the region's start address (aligned to {@link #alignment()}), for registering it as one range. */
    public long baseAddress()
    {
        ensureOpen();
        return baseAddress;
    }

    /** @return the region's length in bytes: bufferCount x stride. */
    public long regionBytes()
    {
        return regionBytes;
    }

    /** @return the distance between two buffers' starts: bufferSizeBytes rounded up to {@link #alignment()}. */
    public int strideBytes()
    {
        return strideBytes;
    }

    /**
     * @param buffer a buffer.
     * @return its slot index (the io_uring {@code buf_index} when the pool is registered), or -1 when it is not
     * one of this pool's buffers (or a lease view of one).
     */
    public int indexOf(final ByteBuffer buffer)
    {
        ensureOpen();
        return slotOf(buffer);
    }

    /**
     * Closes the pool: no acquire after this. The native region is freed now when every buffer is back, else
     * when the last outstanding one is released. Buffers still lent are reported: logged once (WARNING, with the
     * count) and kept in {@link #lentAtClose()}; a buffer acquired and never released is a leak of the caller's.
     * In FAST mode a buffer released during its I/O comes back when that I/O ends. Idempotent.
     *
     * @throws IllegalStateException in {@link Mode#CHECKED} when a buffer is still in flight ({@link #ioStarted}):
     *                               the pool stays open.
     */
    @Override
    public void close()
    {
        if (mode == Mode.CHECKED && !closed.get())
        {
            final int inFlight = inFlight();
            if (inFlight > 0)
            {
                throw new IllegalStateException("pool close refused: buffers still in flight: inFlight=" + inFlight +
                    " outstanding=" + outstanding.get() + ": close it once their I/O has completed");
            }
        }
        if (closed.compareAndSet(false, true))
        {
            final int lent = outstanding.get();
            lentAtClose = lent;
            if (lent > 0)
            {
                System.getLogger(AlignedBufferPool.class.getName()).log(System.Logger.Level.WARNING,
                    "pageio buffer pool closed with buffers still lent (each must be released; the pool's memory " +
                    "is freed when the last one is): lent=" + lent + " bufferCount=" + bufferCount);
            }
            // Pairs with the increment in tryAcquire: a racing acquire either sees closed or holds the region.
            outstanding.incrementAndGet();
            returnOutstanding();
        }
    }

    /** @return buffers still lent when the pool was closed (0: all were back), or -1 while it is open. */
    public int lentAtClose()
    {
        return lentAtClose;
    }

    @Override
    public String toString()
    {
        return "AlignedBufferPool{bufferCount=" + bufferCount + " bufferSizeBytes=" + bufferSizeBytes +
            " alignment=" + alignment + " mode=" + mode + " outstanding=" + outstanding.get() + " closed=" +
            closed.get() + "}";
    }
}
