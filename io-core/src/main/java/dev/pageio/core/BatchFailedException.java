package dev.pageio.core;

import java.util.List;

/**
 * A batch ({@link IoRing#submitBatch}, POSIX lio_listio) in which one or more members failed or were canceled:
 * thrown by a {@link BatchMode#WAIT} batch, and the cause with which a {@link BatchMode#NOWAIT} batch's future
 * fails, once every member is done. Like lio_listio's -1/EIO, it says that the batch did not wholly succeed and
 * which members did not; each member still reports its own error ({@link IoRequest#errno()},
 * {@link IoRequest#failure()}); the members that completed did complete. Its cause is the first failed member's
 * {@link IoFailure}.
 */
public final class BatchFailedException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final transient List<IoRequest> failed;
    /** The number of members the batch had. */
    private final int size;

    BatchFailedException(final List<IoRequest> failed, final int size)
    {
        super("batch failed: failed=" + failed.size() + " size=" + size + " first=" + failed.get(0) +
            (failed.get(0).failure() != null ? " errno=" + failed.get(0).failure().errnoName() : ""),
            failed.get(0).failure());
        this.failed = List.copyOf(failed);
        this.size = size;
    }

    /** @return the members that failed or were canceled, in batch order. */
    public List<IoRequest> failed()
    {
        return failed;
    }

    /** @return the batch's size. */
    public int size()
    {
        return size;
    }

    /** @return {@link Errno#EIO}, as lio_listio answers for a LIO_WAIT batch with failed members. */
    public int errno()
    {
        return Errno.EIO;
    }
}
