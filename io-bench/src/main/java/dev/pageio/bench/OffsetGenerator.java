package dev.pageio.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The offsets and directions of one request slot: xorshift64* for random patterns (no allocation, no shared
 * state), a job-wide cursor for sequential ones. Used by one thread at a time (a slot has one request
 * outstanding; its completion hands the slot to the next submitter with a happens-before edge).
 */
public final class OffsetGenerator
{
    private final long blocks;
    private final int blockSize;
    private final boolean random;
    private final boolean mixed;
    private final int readPercent;
    private final boolean reads;
    private final AtomicLong sequentialCursor;
    private final long sequentialStart;
    private long state;

    /**
     * @param options          the workload.
     * @param seed             distinct per job and slot.
     * @param sequentialCursor the job's cursor, shared by its slots (sequential patterns).
     * @param sequentialStart  where the job starts in blocks (jobs start spread over the file).
     */
    public OffsetGenerator(final BenchOptions options, final long seed, final AtomicLong sequentialCursor, final long sequentialStart)
    {
        blocks = options.blocks();
        blockSize = options.blockSize;
        random = options.rw.random;
        mixed = options.rw.reads && options.rw.writes;
        readPercent = options.mixReadPercent;
        reads = options.rw.reads;
        this.sequentialCursor = sequentialCursor;
        this.sequentialStart = sequentialStart;
        // splitmix64 of the seed: a nonzero, well-spread xorshift state
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        state = (z ^ (z >>> 31)) | 1;
    }

    private long nextRandom()
    {
        long x = state;
        x ^= x >>> 12;
        x ^= x << 25;
        x ^= x >>> 27;
        state = x;
        return x * 0x2545F4914F6CDD1DL;
    }

    /** @return the next offset in bytes, a multiple of the block size below the size. */
    public long nextOffset()
    {
        final long block;
        if (random)
        {
            block = Long.remainderUnsigned(nextRandom(), blocks);
        }
        else
        {
            block = Long.remainderUnsigned(sequentialStart + sequentialCursor.getAndIncrement(), blocks);
        }
        return block * blockSize;
    }

    /** @return true when the next request reads. */
    public boolean nextIsRead()
    {
        if (!mixed)
        {
            return reads;
        }
        return Long.remainderUnsigned(nextRandom() >>> 8, 100) < readPercent;
    }
}
