package dev.pageio.core;

/**
 * How a ring's barriers choose their syncs. Only {@link #STRICT} is correct; the other exists so that the tests that
 * prove the ordering detectors can show them catching a wrong implementation. Not reachable from the public API: a
 * test opens such a ring through a test-support factory in this package.
 */
enum BarrierPolicy
{
    /** BARRIER.md: a sync is issued only once every write it covers has completed. */
    STRICT,
    /** WRONG ON PURPOSE: barriers sync at once, without waiting for the writes they cover. */
    NAIVE_FOR_TESTING
}
