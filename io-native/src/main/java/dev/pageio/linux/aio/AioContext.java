package dev.pageio.linux.aio;

import dev.pageio.core.Errno;
import dev.pageio.linux.Linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One kernel AIO context: {@code io_setup} (or an idle context from {@link AioContextPool}), the {@code aio_ring}
 * the kernel maps at the context's address, the one loop that reaps it, the {@code io_getevents} fallback, and
 * {@code io_destroy}. The twin of io_uring's {@code UringRing}: it knows the kernel's structures, not requests.
 *
 * <p><b>Reaping.</b> From the aio_ring in user space, with the protocol {@link AioRingDescriptor} writes down
 * (acquire {@code tail}, read the events, release {@code head}). The ring's header is checked once at setup; when
 * it is not as expected the context reaps with {@code io_getevents(min_nr 0)} instead and says why in
 * {@link #ringFallbackCause()}. Events that {@link #await} takes with {@code io_getevents(min_nr 1)} wait in a
 * stash and are handed out first by the next {@link #reap}.
 *
 * <p><b>Native memory.</b> One malloc'd block of its own:
 * <pre>
 *  0        8                24                    40                   72
 *  +--------+----------------+---------------------+--------------------+------------------------------+
 *  | ctxp   | wait timespec  | zero timespec       | io_cancel's event  | stash: io_event[stashCapacity]|
 *  +--------+----------------+---------------------+--------------------+------------------------------+
 * </pre>
 *
 * <p>Threading: the ring agent only. Counters: plain reads from any thread, for monitoring, no ordering.
 */
final class AioContext
{
    /** What the context hands each event to: the iocb's {@code aio_data} and the result. */
    interface EventHandler
    {
        /**
         * @param data the iocb's aio_data.
         * @param res  bytes transferred, 0, the POLL mask, or -errno.
         * @return how many requests this event completed (0 or 1).
         */
        int onEvent(long data, long res);
    }

    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private static final int CTXP = 0;
    private static final int TIMESPEC = 8;
    private static final int ZERO_TIMESPEC = TIMESPEC + 16;
    private static final int CANCEL_EVENT = ZERO_TIMESPEC + 16;
    private static final int STASH = CANCEL_EVENT + IoEventDescriptor.SIZE;
    /** How long {@link #quiesce} waits for the event of a canceled internal iocb. */
    private static final long QUIESCE_NS = 1_000_000_000L;

    private final long ctx;
    private final int contextEvents;
    private final long memory;
    private final ByteBuffer mem;
    private final int stashCapacity;
    private ByteBuffer ring;
    private int ringNr;
    private String ringFallbackCause;
    private int stashHead;
    private int stashCount;
    private boolean closed;

    private long ioSubmitCalls;
    private long ioGeteventsCalls;
    private long ringReaped;

    private AioContext(final long ctx, final int contextEvents, final long memory, final int size,
        final int stashCapacity)
    {
        this.ctx = ctx;
        this.contextEvents = contextEvents;
        this.memory = memory;
        this.mem = Linux.wrap(memory, size);
        this.stashCapacity = stashCapacity;
        checkRing();
    }

    /**
     * Takes an idle context with {@code contextEvents} from {@link AioContextPool}, or sets one up.
     *
     * @param contextEvents nr_events for io_setup (the requests and internal iocbs in the kernel at once).
     * @param stashCapacity the most events one {@link #await} takes.
     * @return the context.
     * @throws IOException when io_setup fails, with the reason (EAGAIN names fs.aio-max-nr).
     */
    static AioContext open(final int contextEvents, final int stashCapacity) throws IOException
    {
        if (contextEvents < 1 || stashCapacity < 1)
        {
            throw new IllegalArgumentException("contextEvents and stashCapacity must be positive: contextEvents=" +
                contextEvents + " stashCapacity=" + stashCapacity);
        }
        final long bytes = STASH + (long)stashCapacity * IoEventDescriptor.SIZE;
        if (bytes > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("event stash too large: stashCapacity=" + stashCapacity);
        }
        final long block = Linux.malloc(bytes);
        if (block == 0)
        {
            throw new IOException("malloc failed: bytes=" + bytes);
        }
        // zero, as io_setup requires of *ctxp
        Linux.memset(block, 0, bytes);
        try
        {
            long context = AioContextPool.take(contextEvents);
            if (context == 0)
            {
                final int r = AioSyscalls.io_setup(contextEvents, block + CTXP);
                if (r < 0)
                {
                    throw new IOException(setupFailure(-r, contextEvents));
                }
                context = Linux.wrap(block + CTXP, 8).getLong(0);
            }
            return new AioContext(context, contextEvents, block, (int)bytes, stashCapacity);
        }
        catch (final IOException | RuntimeException e)
        {
            Linux.free(block);
            throw e;
        }
    }

    /** Trusts the mapped aio_ring only when its header is the layout {@link AioRingDescriptor} describes. */
    private void checkRing()
    {
        final ByteBuffer header = Linux.wrap(ctx, AioRingDescriptor.RING_HEADER_LENGTH);
        final int magic = header.getInt(AioRingDescriptor.MAGIC);
        final int incompat = header.getInt(AioRingDescriptor.INCOMPAT_FEATURES);
        final int headerLength = header.getInt(AioRingDescriptor.HEADER_LENGTH);
        final int nr = header.getInt(AioRingDescriptor.NR);
        if (magic != AioRingDescriptor.RING_MAGIC || incompat != AioRingDescriptor.RING_INCOMPAT_FEATURES ||
            headerLength != AioRingDescriptor.RING_HEADER_LENGTH || nr < 1 || nr > (1 << 24))
        {
            reapWithGetevents("aio_ring header not as expected (fs/aio.c): magic=0x" + Integer.toHexString(magic) +
                " incompat_features=" + incompat + " header_length=" + headerLength + " nr=" + nr +
                "; reaping with io_getevents");
            return;
        }
        ring = Linux.wrap(ctx, AioRingDescriptor.EVENTS + nr * IoEventDescriptor.SIZE);
        ringNr = nr;
    }

    /**
     * Stops reading the mapped ring: from now on {@link #reap} calls io_getevents. Package-private: the header
     * check uses it, and tests reach the fallback path through it.
     *
     * @param cause why, as {@link #ringFallbackCause()} will say.
     */
    void reapWithGetevents(final String cause)
    {
        ring = null;
        ringNr = 0;
        ringFallbackCause = cause;
    }

    /**
     * The message of a failed io_setup; EAGAIN names the sysctls and their values.
     *
     * @param errno         the positive errno.
     * @param contextEvents the nr_events asked for.
     * @return the message.
     */
    static String setupFailure(final int errno, final int contextEvents)
    {
        if (errno == Errno.EAGAIN)
        {
            return "io_setup failed: EAGAIN: the system-wide limit of AIO events is exhausted: requested=" +
                contextEvents + " fs.aio-nr=" + sysctl("aio-nr") + " fs.aio-max-nr=" + sysctl("aio-max-nr") +
                "; raise fs.aio-max-nr (sysctl -w fs.aio-max-nr=N), lower queueDepth, or close other contexts";
        }
        return "io_setup failed: " + Errno.name(errno) + " requested=" + contextEvents;
    }

    private static String sysctl(final String name)
    {
        // Files.readString/readAllBytes return only the last byte of these procfs files on this kernel
        // (measured: "6" for 65536); reading line by line returns the whole value
        try (BufferedReader reader = Files.newBufferedReader(Path.of("/proc/sys/fs/" + name), StandardCharsets.US_ASCII))
        {
            final String line = reader.readLine();
            return line == null ? "empty" : line.trim();
        }
        catch (final IOException | RuntimeException e)
        {
            return "unreadable(" + e.getMessage() + ")";
        }
    }

    /** @return the kernel's {@code aio_context_t} (the address of the mapped aio_ring). */
    long id()
    {
        return ctx;
    }

    /** @return true while completions are read from the mapped aio_ring; false when io_getevents is used. */
    boolean ringReaping()
    {
        return ring != null;
    }

    /** @return why completions are reaped with io_getevents instead of from the ring, or null. */
    String ringFallbackCause()
    {
        return ringFallbackCause;
    }

    /** @return the number of io_events of the kernel's ring (0 when not reaping from it). */
    int ringEntries()
    {
        return ringNr;
    }

    /**
     * See man 2 io_submit.
     *
     * @param nr     iocbs offered.
     * @param iocbpp address of the array of iocb addresses.
     * @return iocbs accepted, or -errno.
     */
    long submit(final int nr, final long iocbpp)
    {
        ioSubmitCalls++;
        return AioSyscalls.io_submit(ctx, nr, iocbpp);
    }

    /**
     * See man 2 io_cancel.
     *
     * @param iocb the iocb's address.
     * @return 0 or -EINPROGRESS when canceled (its event follows), or -errno (EINVAL: the file refuses, or the
     * iocb already completed).
     */
    int cancel(final long iocb)
    {
        return AioSyscalls.io_cancel(ctx, iocb, memory + CANCEL_EVENT);
    }

    /** @return true when an event is waiting: in the stash, or between the ring's head and tail. */
    boolean hasEvents()
    {
        if (stashHead < stashCount)
        {
            return true;
        }
        final ByteBuffer r = ring;
        // acquire: pairs with the kernel's store of tail (see reap)
        return r != null && (int)INT.getAcquire(r, AioRingDescriptor.TAIL) != r.getInt(AioRingDescriptor.HEAD);
    }

    /**
     * Hands every event available now to {@code handler}, without blocking: the stash of the last {@link #await}
     * first, then the ring (or, without it, io_getevents with min_nr 0 when {@code expectEvents}).
     *
     * @param handler      where each event goes.
     * @param expectEvents true when something is in the kernel (the io_getevents fallback is skipped otherwise).
     * @return the sum of what the handler returned.
     */
    int reap(final EventHandler handler, final boolean expectEvents)
    {
        int count = 0;
        while (stashHead < stashCount)
        {
            final int event = STASH + stashHead * IoEventDescriptor.SIZE;
            stashHead++;
            count += handler.onEvent(mem.getLong(event + IoEventDescriptor.DATA),
                mem.getLong(event + IoEventDescriptor.RES));
        }
        stashHead = 0;
        stashCount = 0;

        final ByteBuffer r = ring;
        if (r != null)
        {
            // acquire: pairs with aio_complete's smp_wmb() + store of tail: the events before tail are visible
            final int tail = (int)INT.getAcquire(r, AioRingDescriptor.TAIL);
            int head = r.getInt(AioRingDescriptor.HEAD);
            while (head != tail)
            {
                final int event = AioRingDescriptor.EVENTS + head * IoEventDescriptor.SIZE;
                final long data = r.getLong(event + IoEventDescriptor.DATA);
                final long res = r.getLong(event + IoEventDescriptor.RES);
                head = head + 1 == ringNr ? 0 : head + 1;
                // release: the reads of this event happen before the kernel may reuse its slot
                INT.setRelease(r, AioRingDescriptor.HEAD, head);
                ringReaped++;
                count += handler.onEvent(data, res);
            }
        }
        else if (expectEvents)
        {
            final long n = AioSyscalls.io_getevents(ctx, 0, stashCapacity, memory + STASH, memory + ZERO_TIMESPEC);
            ioGeteventsCalls++;
            for (int i = 0; i < n; i++)
            {
                final int event = STASH + i * IoEventDescriptor.SIZE;
                count += handler.onEvent(mem.getLong(event + IoEventDescriptor.DATA),
                    mem.getLong(event + IoEventDescriptor.RES));
            }
        }
        return count;
    }

    /**
     * Blocks in io_getevents(min_nr 1) for at most {@code waitNs}; the events it takes wait in the stash for the
     * next {@link #reap}. A timeout or a signal simply returns.
     *
     * @param waitNs the longest wait.
     */
    void await(final long waitNs)
    {
        mem.putLong(TIMESPEC, waitNs / 1_000_000_000L);
        mem.putLong(TIMESPEC + 8, waitNs % 1_000_000_000L);
        final long n = AioSyscalls.io_getevents(ctx, 1, stashCapacity, memory + STASH, memory + TIMESPEC);
        ioGeteventsCalls++;
        if (n > 0)
        {
            stashHead = 0;
            stashCount = (int)n;
        }
    }

    /**
     * Makes the context idle, fit for {@link AioContextPool}: cancels the one internal iocb still in the kernel
     * (when {@code internalArmed}) and reaps until its event has come, through the same {@link #reap}.
     *
     * @param internalData  the aio_data of the internal iocb.
     * @param internalIocb  its address.
     * @param internalArmed true when it is in the kernel.
     * @return true when the context is idle with an empty ring; false when another event turned up, the ring is
     * not mapped, or the internal event did not come within a second.
     */
    boolean quiesce(final long internalData, final long internalIocb, final boolean internalArmed)
    {
        if (ring == null)
        {
            return false;
        }
        final boolean[] state = {internalArmed, false}; // {armed, foreign event seen}; close path only
        final EventHandler handler = (data, res) ->
        {
            if (data == internalData)
            {
                state[0] = false;
            }
            else
            {
                state[1] = true;
            }
            return 0;
        };
        reap(handler, false);
        if (state[1])
        {
            return false;
        }
        if (state[0])
        {
            // -EINPROGRESS: canceled, its event follows; -EINVAL: it completed already, its event is in the ring
            cancel(internalIocb);
        }
        final long deadline = System.nanoTime() + QUIESCE_NS;
        while (true)
        {
            reap(handler, false);
            if (state[1])
            {
                return false;
            }
            if (!state[0])
            {
                return true;
            }
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Ends the context: an idle one ({@code idle}, after {@link #quiesce}) goes to {@link AioContextPool}, because
     * io_destroy costs two RCU grace periods; any other is destroyed, and io_destroy waits until the requests still
     * in it have completed, so the kernel no longer writes into the caller's buffers when this returns. Then the
     * native block is freed. Idempotent.
     *
     * @param idle true when {@link #quiesce} said the context is idle.
     */
    void close(final boolean idle)
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final long destroy = idle && ring != null ? AioContextPool.give(contextEvents, ctx) : ctx;
        ring = null;
        if (destroy != 0)
        {
            AioSyscalls.io_destroy(destroy);
        }
        Linux.free(memory);
    }

    /** @return io_submit calls made. */
    long ioSubmitCalls()
    {
        return ioSubmitCalls;
    }

    /** @return io_getevents calls made (await, and reaping in fallback mode). */
    long ioGeteventsCalls()
    {
        return ioGeteventsCalls;
    }

    /** @return io_events read from the ring in user space. */
    long ringReaped()
    {
        return ringReaped;
    }

    @Override
    public String toString()
    {
        return "AioContext{ctx=0x" + Long.toHexString(ctx) + " nrEvents=" + contextEvents + " ringEntries=" + ringNr +
            " ringReaping=" + (ring != null) + "}";
    }
}
