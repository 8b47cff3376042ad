package dev.pageio.core;

/**
 * The ring's {@link BarrierObserver}, told which file: the {@link BarrierTracker} below knows only its path. A part of
 * the API side: {@link IoFile} builds one for its tracker when the ring has an observer.
 *
 * <p>Threading: the ring agent (the tracker's events).
 */
final class BarrierObserverBinding implements BarrierTracker.Listener
{
    private final BarrierObserver observer;
    private final IoFile file;

    BarrierObserverBinding(final BarrierObserver observer, final IoFile file)
    {
        this.observer = observer;
        this.file = file;
    }

    @Override
    public void writeCompleted(final long writeSeq, final boolean ok, final long nanoTime)
    {
        observer.writeCompleted(file, writeSeq, ok, nanoTime);
    }

    @Override
    public void syncIssued(final long covers, final boolean full, final boolean user, final long nanoTime)
    {
        if (user)
        {
            observer.userSyncIssued(file, covers, full, nanoTime);
            return;
        }
        observer.syncIssued(file, covers, full, nanoTime);
    }

    @Override
    public void syncCompleted(final long covers, final boolean full, final int errno, final long nanoTime)
    {
        observer.syncCompleted(file, covers, full, errno, nanoTime);
    }
}
