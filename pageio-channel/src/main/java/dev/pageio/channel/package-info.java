/**
 * A drop-in {@link java.nio.channels.AsynchronousFileChannel} on pageio rings: {@link dev.pageio.channel.PageioFileChannel}.
 *
 * <p>Threads: reads and writes are submitted from the caller's thread; the ring's agent thread completes them
 * and never runs user code: {@link java.nio.channels.CompletionHandler}s run on the channel's executor (the one
 * given to {@code open}, else {@link dev.pageio.channel.DefaultHandlerPool}). Futures are completed on the agent,
 * which only stores the result and wakes waiters.
 */
package dev.pageio.channel;
