package dev.pageio.core;

/**
 * Sees, on the agent thread, the events a barrier's correctness rests on: each write's completion and each
 * barrier sync's issue and completion, with {@link System#nanoTime()}. For tests and diagnostics (an ordering
 * detector); must not block and should not allocate.
 */
public interface BarrierObserver
{
    /**
     * @param file     the file.
     * @param writeSeq the write's sequence number in the file.
     * @param ok       false when it failed.
     * @param nanoTime when the agent processed the completion.
     */
    void writeCompleted(IoFile file, long writeSeq, boolean ok, long nanoTime);

    /**
     * @param file     the file.
     * @param covers   the snapshot T: the sync covers every write with sequence number &le; T.
     * @param full     fsync (true) or fdatasync.
     * @param nanoTime when the sync was handed to the backend.
     */
    void syncIssued(IoFile file, long covers, boolean full, long nanoTime);

    /**
     * A sync issued for a user's fsync/fdatasync ({@link IoFile#fsync()}, {@link IoRequest#fsync}): like
     * {@link #syncIssued}, except that it is issued even when it covers no write that an earlier sync did not
     * (POSIX aio_fsync always syncs: it may cover what the ring cannot see). Reported as {@link #syncIssued}
     * unless overridden.
     *
     * @param file     the file.
     * @param covers   the snapshot T.
     * @param full     fsync (true) or fdatasync.
     * @param nanoTime when the sync was handed to the backend.
     */
    default void userSyncIssued(IoFile file, long covers, boolean full, long nanoTime)
    {
        syncIssued(file, covers, full, nanoTime);
    }

    /**
     * A barrier sync finished (EINTR already retried). Several may be in flight per file and finish in any order.
     * Does nothing unless overridden.
     *
     * @param file     the file.
     * @param covers   the snapshot T the sync was issued with.
     * @param full     fsync (true) or fdatasync.
     * @param errno    0 on success, else the errno it returned.
     * @param nanoTime when the agent processed the completion.
     */
    default void syncCompleted(IoFile file, long covers, boolean full, int errno, long nanoTime)
    {
    }
}
