package dev.pageio.direct;

/**
 * Rules of {@link LogFile} and {@link LogReader} broken on purpose, for tests only: each property test shows it
 * fails when its rule is broken (a test that cannot fail proves nothing). Set through the package-private
 * {@code LogConfig.Builder.breakage}; never reachable from outside the package.
 */
enum LogBreakage
{
    /** Every rule kept. */
    NONE,
    /** Commits are acknowledged when their write completed, without waiting for the barrier (sync). */
    ACK_ON_WRITE,
    /**
     * Commits are acknowledged as soon as their write is issued, before it completed: in
     * {@link LogConfig.SyncMode#DSYNC} mode, where the write's completion is the only durability point.
     */
    ACK_ON_ISSUE,
    /** Failed writes and syncs are treated as successes: no poison. */
    IGNORE_ERRORS,
    /** The reader does not check the CRC (nor, therefore, the generation). */
    READER_NO_CRC,
    /** The reader skips an invalid frame and looks for the next valid one instead of stopping there. */
    READER_SKIPS_INVALID,
    /** The flusher never pads a tail block: each flush that ends inside a block leaves it to be rewritten. */
    NO_TAIL_PAD
}
