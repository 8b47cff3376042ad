package dev.pageio.channel;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CompletionHandler;

/**
 * One read or write of a {@link PageioFileChannel}, from the call to its handler; pooled, so that the
 * completion-handler path allocates nothing once warm. It is the ring's {@link IoHandler} (on the agent) and the
 * {@link Runnable} handed to the channel's executor (where the user's handler runs).
 *
 * <p>Life: {@link #acquire} and {@link #start} on the caller's thread; {@link #completed}/{@link #failed} on the
 * agent; then either the future is completed there, or {@link #run} runs on the executor; then back to the pool.
 * The ring's submission (its queue's offer and poll) publishes the fields to the agent; the executor's hand-off
 * publishes them to the handler's thread.
 */
final class ChannelOp implements IoHandler<ChannelOp>, Runnable
{
    private static final MpmcVarHandleArrayQueue<ChannelOp> POOL = new MpmcVarHandleArrayQueue<>(4096);
    /**
     * Each thread's last recycled operation, taken first by its next {@link #acquire}: a handler that issues the next
     * I/O (the usual chain) reuses the operation it just finished, still in its cache, with no pool operation at all.
     * The shared pool is a FIFO of 4096 cells, each poll and offer a CAS on a cell that has gone cold since: measured
     * (JFR, the bench's 4k randread QD32 through the channel) at about a sixth of the handler thread's samples. One
     * operation (about 64 bytes) per thread that ever recycled one, kept while the thread lives.
     */
    private static final ThreadLocal<ChannelOp[]> SPARE = ThreadLocal.withInitial(() -> new ChannelOp[1]);
    /**
     * {@link CompletionHandler#completed} takes an {@code Integer}: results that are multiples of 512 up to 1 MiB
     * (every page-sized transfer) are boxed once here, so that handing them over allocates nothing.
     */
    private static final Integer[] BOXED = new Integer[(1 << 20 >> 9) + 1];

    static
    {
        for (int i = 0; i < BOXED.length; i++)
        {
            BOXED[i] = i << 9;
        }
    }

    private PageioFileChannel channel;
    private boolean write;
    private ByteBuffer buffer;
    private int bufferPosition;
    private int length;
    private ByteBuffer bounce;
    private ChannelFuture<Integer> future;
    private CompletionHandler<Integer, Object> handler;
    private Object attachment;
    private int result;
    private Throwable failure;
    /** The next older operation in the channel's handler lane (see {@link HandlerLane#dispatch(ChannelOp)}). */
    ChannelOp nextInLane;

    static ChannelOp acquire()
    {
        final ChannelOp[] spare = SPARE.get();
        ChannelOp op = spare[0];
        if (op != null)
        {
            spare[0] = null;
            return op;
        }
        op = POOL.poll();
        return op != null ? op : new ChannelOp();
    }

    @SuppressWarnings("unchecked")
    void start(
        final PageioFileChannel channel,
        final boolean write,
        final ByteBuffer buffer,
        final int length,
        final ByteBuffer bounce,
        final ChannelFuture<Integer> future,
        final CompletionHandler<Integer, ?> handler,
        final Object attachment)
    {
        this.channel = channel;
        this.write = write;
        this.buffer = buffer;
        this.bufferPosition = buffer.position();
        this.length = length;
        this.bounce = bounce;
        this.future = future;
        this.handler = (CompletionHandler<Integer, Object>)handler;
        this.attachment = attachment;
        this.result = 0;
        this.failure = null;
    }

    /** Submits to the ring; throws what the ring throws at the call. */
    void submit(final IoFile file, final long position)
    {
        if (bounce != null)
        {
            if (write)
            {
                // absolute copy: neither buffer's position moves; works on read-only buffers too
                bounce.put(0, buffer, bufferPosition, length);
                file.write(position, bounce, this, this, 0L);
            }
            else
            {
                file.read(position, bounce, this, this, 0L);
            }
        }
        else if (write)
        {
            file.write(position, buffer, this, this, 0L);
        }
        else
        {
            file.read(position, buffer, this, this, 0L);
        }
    }

    /** The ring refused the request because the file or ring is closed: report it like a completion. */
    void submitFailed(final Throwable cause)
    {
        result = 0;
        failure = cause;
        finishOrDispatch();
    }

    /** The ring refused the request's arguments: nothing was submitted; the exception goes to the caller. */
    void abandon()
    {
        if (bounce != null)
        {
            BounceBufferPool.SHARED.release(bounce);
        }
        recycle();
    }

    @Override
    public void completed(final long bytes, final ChannelOp self, final long token)
    {
        result = (int)bytes;
        failure = null;
        finishOrDispatch();
    }

    @Override
    public void failed(final IoFailure cause, final ChannelOp self, final long token)
    {
        result = 0;
        failure = cause.canceled() ? new AsynchronousCloseException() : channel.mapFailure(cause);
        finishOrDispatch();
    }

    private void finishOrDispatch()
    {
        if (future != null)
        {
            // The future path: no user code runs here, only the copy and the position update.
            final ChannelFuture<Integer> f = future;
            final Throwable x = failure;
            final int value = finish();
            recycle();
            if (x == null)
            {
                f.complete(box(value));
            }
            else
            {
                f.fail(x);
            }
        }
        else
        {
            channel.lane().dispatch(this);
        }
    }

    static Integer box(final int value)
    {
        if ((value & 511) == 0 && value >= 0 && value <= 1 << 20)
        {
            return BOXED[value >> 9];
        }
        return value; // Integer.valueOf: cached from -128 to 127
    }

    /** On the executor: the buffer's bookkeeping, then the user's handler, then back to the pool. */
    @Override
    public void run()
    {
        final CompletionHandler<Integer, Object> h = handler;
        final Object a = attachment;
        final Throwable x = failure;
        final int value = finish();
        recycle();
        HandlerLane.invoke(h, a, box(value), x);
    }

    /**
     * Copies a read's bytes out of the bounce buffer, moves the caller's buffer position by the bytes transferred
     * (as the JDK's IOUtil does before it reports) and gives the bounce buffer back.
     *
     * @return the result the JDK reports: bytes, or -1 for a read at end of file.
     */
    private int finish()
    {
        int value = result;
        if (failure == null)
        {
            if (!write && value == 0)
            {
                value = -1; // length > 0 here: a read of nothing at all completed at the call with 0
            }
            else
            {
                if (bounce != null && !write)
                {
                    buffer.put(bufferPosition, bounce, 0, value);
                }
                buffer.position(bufferPosition + value);
            }
        }
        if (bounce != null)
        {
            BounceBufferPool.SHARED.release(bounce);
        }
        return value;
    }

    private void recycle()
    {
        channel = null;
        buffer = null;
        bounce = null;
        future = null;
        handler = null;
        attachment = null;
        failure = null;
        final ChannelOp[] spare = SPARE.get();
        if (spare[0] == null)
        {
            spare[0] = this;
        }
        else
        {
            POOL.offer(this);
        }
    }
}
