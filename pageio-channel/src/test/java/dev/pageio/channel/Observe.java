package dev.pageio.channel;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/** Turns what a channel does into comparable text: results, exception types, buffer positions, bytes. */
final class Observe
{
    static final long TIMEOUT_S = 60;

    private Observe()
    {
    }

    interface Action
    {
        Object run() throws Exception;
    }

    /** @return "ok:value", or "threw:ExceptionType" for what the call threw. */
    static String call(final Action action)
    {
        try
        {
            final Object value = action.run();
            if (value instanceof Future<?>)
            {
                return "future:" + future((Future<?>)value);
            }
            return "ok:" + value;
        }
        catch (final Exception e)
        {
            return "threw:" + e.getClass().getSimpleName();
        }
    }

    /** @return "value", or "failed:CauseType", waiting at most {@link #TIMEOUT_S}. */
    static String future(final Future<?> f)
    {
        try
        {
            return String.valueOf(f.get(TIMEOUT_S, TimeUnit.SECONDS));
        }
        catch (final ExecutionException e)
        {
            return "failed:" + e.getCause().getClass().getSimpleName();
        }
        catch (final Exception e)
        {
            return "threw:" + e.getClass().getSimpleName();
        }
    }

    /** A handler that records its outcome and the thread it ran on. */
    static final class Recorder<V> implements CompletionHandler<V, String>
    {
        final CompletableFuture<String> outcome = new CompletableFuture<>();
        volatile Thread thread;

        @Override
        public void completed(final V result, final String attachment)
        {
            thread = Thread.currentThread();
            outcome.complete(attachment + ":" + result);
        }

        @Override
        public void failed(final Throwable exc, final String attachment)
        {
            thread = Thread.currentThread();
            outcome.complete(attachment + ":failed:" + exc.getClass().getSimpleName());
        }

        String await()
        {
            try
            {
                return outcome.get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            catch (final Exception e)
            {
                throw new AssertionError("handler not called within " + TIMEOUT_S + " s", e);
            }
        }
    }

    /** @return "read" done through a future or a handler (by {@code handler}), as text. */
    static String read(final AsynchronousFileChannel ch, final ByteBuffer dst, final long position, final boolean handler)
    {
        if (!handler)
        {
            return call(() -> ch.read(dst, position));
        }
        final Recorder<Integer> r = new Recorder<>();
        final String thrown = call(() ->
        {
            ch.read(dst, position, "h", r);
            return "submitted";
        });
        return thrown.startsWith("threw:") ? thrown : r.await() + onAgent(r.thread);
    }

    static String write(final AsynchronousFileChannel ch, final ByteBuffer src, final long position, final boolean handler)
    {
        if (!handler)
        {
            return call(() -> ch.write(src, position));
        }
        final Recorder<Integer> r = new Recorder<>();
        final String thrown = call(() ->
        {
            ch.write(src, position, "h", r);
            return "submitted";
        });
        return thrown.startsWith("threw:") ? thrown : r.await() + onAgent(r.thread);
    }

    /** @return "" or " ON-AGENT" (never expected: the JDK has no agent) when the thread is a ring agent. */
    static String onAgent(final Thread t)
    {
        return t != null && t.getName().startsWith("afc-test-") ? " ON-AGENT" : "";
    }

    static String buffer(final ByteBuffer b)
    {
        final CRC32 crc = new CRC32();
        crc.update(b.duplicate().clear());
        return " pos=" + b.position() + " lim=" + b.limit() + " crc=" + Long.toHexString(crc.getValue());
    }
}
