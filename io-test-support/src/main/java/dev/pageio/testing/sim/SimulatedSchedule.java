package dev.pageio.testing.sim;

/**
 * How the simulated device schedules one ring's requests: everything random is drawn from {@link #seed}.
 * Mutable fields, set before the ring opens.
 */
public final class SimulatedSchedule
{
    /** Seed of every random choice of the device. */
    public final long seed;
    /** A write or read completes 1 to this many duty cycles after it was submitted. */
    public int maxWriteDelayCycles = 4;
    /** A sync completes 1 to this many duty cycles after it was submitted. */
    public int maxSyncDelayCycles = 8;
    /** Percent of writes longer than a sector that the device cuts short (the ring resubmits the rest). */
    public int shortWritePercent;
    /** Percent of prepares refused while something is in the device (a full kernel ring). */
    public int refusePercent;
    /** Syncs stay in the device from the start until {@link SimulatedBackend#releaseSyncs()}. */
    public boolean holdSyncs;

    /** @param seed the seed. */
    public SimulatedSchedule(final long seed)
    {
        this.seed = seed;
    }

    @Override
    public String toString()
    {
        return "SimulatedSchedule{seed=" + seed + " maxWriteDelayCycles=" + maxWriteDelayCycles +
            " maxSyncDelayCycles=" + maxSyncDelayCycles + " shortWritePercent=" + shortWritePercent +
            " refusePercent=" + refusePercent + " holdSyncs=" + holdSyncs + "}";
    }
}
