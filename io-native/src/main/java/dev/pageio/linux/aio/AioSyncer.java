package dev.pageio.linux.aio;

import dev.pageio.core.spi.CompletionSink;
import dev.pageio.core.spi.Request;
import dev.pageio.core.spi.RequestOp;
import dev.pageio.linux.Linux;
import dev.pageio.linux.LocalCompletions;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The thread that runs fsync/fdatasync where the kernel refuses sync iocbs (before Linux 4.18). Never the ring
 * agent: a sync can take milliseconds.
 *
 * <p>Threading: {@link #todo} is offered by the ring agent and polled by the syncer thread; {@link #done} the other
 * way round. The queues' offer/poll carry {@link Request#result} between the two threads. After each sync the
 * syncer calls the backend's wakeup, so that a blocked await returns.
 */
final class AioSyncer implements Runnable
{
    final ArrayBlockingQueue<Request> todo;
    final ArrayBlockingQueue<Request> done;
    final AtomicInteger doneCount = new AtomicInteger();
    final AtomicInteger syncs = new AtomicInteger();
    private final Runnable wakeup;
    private final Thread thread;
    private volatile boolean stopping;

    /**
     * Starts the syncer thread (a daemon).
     *
     * @param name     the thread's name.
     * @param capacity the most requests waiting at once (the ring's queue depth).
     * @param wakeup   called after each sync: the backend's wakeup.
     */
    AioSyncer(final String name, final int capacity, final Runnable wakeup)
    {
        this.todo = new ArrayBlockingQueue<>(capacity);
        this.done = new ArrayBlockingQueue<>(capacity);
        this.wakeup = wakeup;
        this.thread = new Thread(this, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void run()
    {
        while (!stopping)
        {
            final Request request;
            try
            {
                request = todo.poll(100, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException e)
            {
                return;
            }
            if (request == null)
            {
                continue;
            }
            final int r = request.op == RequestOp.FSYNC ? Linux.fsync(request.fd) : Linux.fdatasync(request.fd);
            syncs.incrementAndGet();
            request.result = r;
            // the queue's offer/poll carries request.result to the ring agent
            done.add(request);
            doneCount.incrementAndGet();
            wakeup.run();
        }
    }

    /**
     * Ring agent: delivers the syncs done since the last call to {@code sink}, each after {@code release} gave its
     * slot back.
     *
     * @return the completions delivered.
     */
    int deliver(final CompletionSink sink, final LocalCompletions.Release release)
    {
        if (doneCount.get() == 0)
        {
            return 0;
        }
        int count = 0;
        Request request;
        while ((request = done.poll()) != null)
        {
            doneCount.decrementAndGet();
            count++;
            sink.complete(release.release(request.index), request.result);
        }
        return count;
    }

    /** Stops the thread and waits (30 s at most) for it to end. Ring agent, once. */
    void stop()
    {
        stopping = true;
        thread.interrupt();
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
