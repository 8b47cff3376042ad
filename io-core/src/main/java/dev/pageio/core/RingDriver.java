package dev.pageio.core;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Who drives a ring's {@link RingAgent}: an Agrona {@link AgentRunner} on the ring's own daemon thread
 * ({@link RingConfig.ThreadMode#DEDICATED}, idling through {@link RingIdleStrategy}), or an Agrona
 * {@link AgentInvoker} run by {@link #poll()} and by waiting threads ({@link RingConfig.ThreadMode#CALLER}). In
 * CALLER mode one thread at a time drives the agent, guarded by a CAS: the poller, or a thread that waits (for a
 * slot, a future, a close) while nobody polls, through {@link #helpProgress()}.
 */
final class RingDriver implements Progress
{
    private static final long AWAIT_SLICE_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final String ringName;
    private final RingAgent agent;
    private final CompletableFuture<Void> terminated;
    private final Thread agentThread;
    private final AgentInvoker invoker;
    private final AtomicInteger pollers = new AtomicInteger();
    private volatile Thread pollingThread;

    /**
     * @param config     the ring's configuration: thread mode, idle strategy, error handler.
     * @param agent      the agent to drive.
     * @param terminated completes when the agent has shut down.
     */
    RingDriver(final RingConfig config, final RingAgent agent, final CompletableFuture<Void> terminated)
    {
        this.ringName = config.name();
        this.agent = agent;
        this.terminated = terminated;
        final ErrorHandler configured = config.errorHandler();
        // The agent stops its runner with AgentTerminationException once it has shut down: that is no error.
        final ErrorHandler errorHandler = t ->
        {
            if (!(t instanceof AgentTerminationException))
            {
                configured.onError(t);
            }
        };
        if (config.threadMode() == RingConfig.ThreadMode.DEDICATED)
        {
            final RingIdleStrategy idle = new RingIdleStrategy(config.newIdleStrategy(), config, agent);
            // before the runner's thread starts (Thread.start: happens-before)
            agent.idleStrategy(idle);
            final AgentRunner runner = new AgentRunner(idle, errorHandler, null, agent);
            this.invoker = null;
            this.agentThread = new Thread(runner, agent.roleName());
            agentThread.setDaemon(true);
        }
        else
        {
            this.invoker = new AgentInvoker(errorHandler, null, agent);
            this.agentThread = null;
        }
    }

    /** Starts the agent: its thread (DEDICATED), or its {@code onStart} (CALLER). */
    void start()
    {
        if (agentThread != null)
        {
            agentThread.start();
        }
        else
        {
            invoker.start();
        }
    }

    /** Any thread: has the agent cancel, through the kernel, the file's requests that neither write nor sync. */
    void cancelReadsOf(final FileState file)
    {
        agent.execute(() -> agent.cancelReadsOf(file));
    }

    /** Any thread: has the agent answer a cancel of the slot's request of the given generation. */
    void cancel(final Slot slot, final long generation, final CompletableFuture<CancelOutcome> answer)
    {
        agent.execute(() -> agent.cancel(slot, generation, answer));
    }

    /**
     * Any thread: runs {@code action} on the agent (at once when called there; in CALLER mode, during a poll).
     *
     * @return completes with the action's result, or its exception.
     */
    <T> CompletableFuture<T> onAgent(final Supplier<T> action)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Runnable command = () ->
        {
            try
            {
                result.complete(action.get());
            }
            catch (final RuntimeException e)
            {
                result.completeExceptionally(e);
            }
        };
        if (onAgentThread())
        {
            command.run();
            return result;
        }
        agent.execute(command);
        return result;
    }

    /** @return the VirtualMachineError a handler threw, which made the ring close itself, or null. */
    Throwable fatal()
    {
        return agent.fatal();
    }

    /** Holds new requests in the ring's queue until {@link #resume()}. */
    void pause()
    {
        agent.paused(true);
    }

    /** Lets held requests go to the kernel. */
    void resume()
    {
        agent.paused(false);
    }

    /** One duty cycle of a CALLER ring, by the one thread polling it (IoRing.poll). */
    int poll()
    {
        if (agentThread != null)
        {
            throw new IllegalStateException("ring has a dedicated agent thread: poll() is for ThreadMode.CALLER rings");
        }
        if (!pollers.compareAndSet(0, 1))
        {
            throw new IllegalStateException("another thread is polling this ring: ring=" + ringName);
        }
        try
        {
            pollingThread = Thread.currentThread();
            if (terminated.isDone())
            {
                return 0;
            }
            return invoker.invoke();
        }
        finally
        {
            pollingThread = null;
            pollers.set(0);
        }
    }

    /**
     * Called by threads that wait (for a slot, a request, a close): on a CALLER ring that nobody is polling now,
     * drives one duty cycle so that waiting makes progress.
     *
     * @return true when it did work.
     */
    @Override
    public boolean helpProgress()
    {
        if (agentThread == null && !terminated.isDone() && pollers.compareAndSet(0, 1))
        {
            try
            {
                pollingThread = Thread.currentThread();
                return invoker.invoke() > 0;
            }
            finally
            {
                pollingThread = null;
                pollers.set(0);
            }
        }
        return false;
    }

    @Override
    public boolean drivenByCaller()
    {
        return agentThread == null;
    }

    @Override
    public boolean onAgentThread()
    {
        final Thread t = Thread.currentThread();
        return t == agentThread || t == pollingThread;
    }

    /**
     * Waits for {@code future}, helping a CALLER ring along meanwhile.
     *
     * @throws IllegalStateException     on the agent's own thread (it would wait for itself).
     * @throws RingInterruptedException when the thread is interrupted before or while it waits (status kept).
     */
    void awaitFuture(final CompletableFuture<?> future, final String what)
    {
        if (future.isDone())
        {
            join(future, what);
            return;
        }
        if (onAgentThread())
        {
            throw new AgentWaitException("cannot wait on the ring's own agent thread (it would wait for itself): " + what);
        }
        int attempt = 0;
        while (!future.isDone())
        {
            RingInterruptedException.check(what + " ring=" + ringName);
            if (agentThread == null)
            {
                Backoff.idle(this, attempt++, Long.MAX_VALUE);
                continue;
            }
            try
            {
                future.get(AWAIT_SLICE_NS, TimeUnit.NANOSECONDS);
            }
            catch (final TimeoutException | ExecutionException ignore)
            {
                // loop: done or not yet
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                RingInterruptedException.check(what + " ring=" + ringName);
            }
        }
        join(future, what);
    }

    private static void join(final CompletableFuture<?> future, final String what)
    {
        try
        {
            future.get();
        }
        catch (final ExecutionException e)
        {
            final Throwable cause = e.getCause();
            if (cause instanceof RuntimeException)
            {
                throw (RuntimeException)cause;
            }
            throw new IllegalStateException(what + " failed: " + cause, cause);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        }
    }

    /**
     * Starts the agent's close and, except on the agent's own thread, waits until it has shut down. A CALLER ring
     * that nobody polls is driven here; after {@code timeoutNs} without an end its agent is terminated by force.
     */
    void close(final long timeoutNs)
    {
        agent.startClose();
        if (onAgentThread())
        {
            return;
        }
        if (agentThread == null)
        {
            final long deadline = System.nanoTime() + timeoutNs;
            int attempt = 0;
            while (!terminated.isDone())
            {
                RingInterruptedException.check("ring close (it goes on: see IoRing.terminated()) ring=" + ringName);
                Backoff.idle(this, attempt++, Long.MAX_VALUE);
                if (System.nanoTime() - deadline > 0 && pollers.get() == 0)
                {
                    agent.terminate("close timed out");
                }
            }
            return;
        }
        while (agentThread.isAlive())
        {
            try
            {
                agentThread.join();
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                RingInterruptedException.check("ring close (it goes on: see IoRing.terminated()) ring=" + ringName);
            }
        }
    }
}
