package dev.pageio.direct;

import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;

import java.nio.ByteBuffer;

import org.jctools.queues.varhandle.MpmcVarHandleArrayQueue;

/**
 * The in-flight marks of a {@link PageStore}'s handler-based I/O on its pool's buffers: the handler twin of
 * {@link PoolIoMarks}. The store submits with a {@link Marked} handler from this free list in place of the user's;
 * when the request ends, it ends the buffer's mark ({@link AlignedBufferPool#ioEnded}), goes back to the list, and
 * only then calls the user's handler, so a handler may release the buffer at once. The list holds
 * {@code capacity} handlers made up front; past that (more of the store's handler I/Os in flight at once) a handler
 * is made for the request and dropped after it: no allocation per I/O in the steady state.
 *
 * <p>Threading: {@link #begin} from any thread; a handler runs on the ring's agent.
 */
final class PoolMarkedHandlers
{
    /** One request's stand-in handler: the buffer marked, the user's handler and attachment. */
    static final class Marked implements IoHandler<Object>
    {
        private final PoolMarkedHandlers home;
        private ByteBuffer buffer;
        private IoHandler<Object> handler;
        private Object attachment;

        Marked(final PoolMarkedHandlers home)
        {
            this.home = home;
        }

        @Override
        public void completed(final long result, final Object ignored, final long token)
        {
            final IoHandler<Object> h = handler;
            final Object a = attachment;
            end();
            h.completed(result, a, token);
        }

        @Override
        public void failed(final IoFailure failure, final Object ignored, final long token)
        {
            final IoHandler<Object> h = handler;
            final Object a = attachment;
            end();
            h.failed(failure, a, token);
        }

        /** Ends the buffer's mark and puts this handler back on the list. */
        void end()
        {
            final ByteBuffer b = buffer;
            buffer = null;
            handler = null;
            attachment = null;
            home.pool.ioEnded(b);
            home.free.offer(this);
        }
    }

    private final AlignedBufferPool pool;
    private final MpmcVarHandleArrayQueue<Marked> free;

    /**
     * @param pool     the pool whose buffers are marked.
     * @param capacity handlers kept for reuse: the ring's queue depth, the most pool-marked I/Os in flight at once.
     * @param made     handlers made up front, at most {@code capacity}: the pool's buffer count, the usual most in
     *                 flight (a buffer in two I/Os at once takes a handler made on demand, kept for reuse after).
     */
    PoolMarkedHandlers(final AlignedBufferPool pool, final int capacity, final int made)
    {
        this.pool = pool;
        this.free = new MpmcVarHandleArrayQueue<>(Math.max(2, capacity));
        for (int i = Math.min(made, capacity); i > 0; i--)
        {
            free.offer(new Marked(this));
        }
    }

    /**
     * Marks {@code buffer} in flight when it is one of the pool's buffers and gives the handler to submit with:
     * a {@link Marked} that ends the mark first, or {@code handler} itself for any other buffer. Submit with
     * {@link #attachment} of it; if the submission throws, call {@link #abandon}.
     *
     * @param buffer     the request's buffer.
     * @param handler    the user's handler (null is passed through, for the submission to refuse).
     * @param attachment the user's attachment.
     * @param <A>        the attachment's type.
     * @return the handler to submit with.
     */
    @SuppressWarnings("unchecked")
    <A> IoHandler<Object> begin(final ByteBuffer buffer, final IoHandler<? super A> handler, final A attachment)
    {
        if (handler == null || !pool.ioStarted(buffer))
        {
            return (IoHandler<Object>)handler;
        }
        Marked m = free.poll();
        if (m == null)
        {
            m = new Marked(this);
        }
        m.buffer = buffer;
        m.handler = (IoHandler<Object>)handler;
        m.attachment = attachment;
        return m;
    }

    /**
     * @param handler    what {@link #begin} returned.
     * @param attachment the user's attachment.
     * @return the attachment to submit with: none for a {@link Marked} handler, which holds the user's.
     */
    static Object attachment(final IoHandler<Object> handler, final Object attachment)
    {
        return handler instanceof Marked ? null : attachment;
    }

    /** @param handler what {@link #begin} returned, for a submission that threw: its mark ends, unused. */
    static void abandon(final IoHandler<Object> handler)
    {
        if (handler instanceof Marked)
        {
            ((Marked)handler).end();
        }
    }

    /**
     * {@link IoFile#read(long, ByteBuffer, IoHandler, Object, long)} with {@code dst} marked while it runs.
     *
     * @param file       the file.
     * @param offset     the file offset.
     * @param dst        the buffer.
     * @param handler    the user's handler.
     * @param attachment the user's attachment.
     * @param token      the user's token.
     * @param <A>        the attachment's type.
     */
    <A> void read(final IoFile file, final long offset, final ByteBuffer dst, final IoHandler<? super A> handler,
        final A attachment, final long token)
    {
        final IoHandler<Object> h = begin(dst, handler, attachment);
        try
        {
            file.read(offset, dst, h, attachment(h, attachment), token);
        }
        catch (final RuntimeException | Error e)
        {
            abandon(h);
            throw e;
        }
    }

    /**
     * {@link IoFile#write(long, ByteBuffer, IoHandler, Object, long)} with {@code src} marked while it runs.
     *
     * @param file       the file.
     * @param offset     the file offset.
     * @param src        the buffer.
     * @param handler    the user's handler.
     * @param attachment the user's attachment.
     * @param token      the user's token.
     * @param <A>        the attachment's type.
     * @return the write's sequence number.
     */
    <A> long write(final IoFile file, final long offset, final ByteBuffer src, final IoHandler<? super A> handler,
        final A attachment, final long token)
    {
        final IoHandler<Object> h = begin(src, handler, attachment);
        try
        {
            return file.write(offset, src, h, attachment(h, attachment), token);
        }
        catch (final RuntimeException | Error e)
        {
            abandon(h);
            throw e;
        }
    }
}
