package dev.pageio.testing.sim;

import dev.pageio.core.BarrierObserver;
import dev.pageio.core.IoFile;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Checks rule 4 of docs/DURABILITY.md (pipelined coalescing) from the barrier events of every file of one ring:
 * <ul>
 *   <li>at most K syncs in flight per file;</li>
 *   <li>each sync covers something no earlier sync did: an fdatasync's snapshot T is above the T of every earlier
 *   sync of the file (in flight or finished, since a finished one that succeeded is in D); an fsync's T is above
 *   that of every earlier fsync (an fsync may upgrade a range an fdatasync covered). A tracker that issues a sync
 *   while C has not moved past the syncs in flight, or that lets D fall back (D = T instead of max), breaks this;</li>
 * </ul>
 * and counts what the schedules exercised: the most syncs in flight at once, and syncs that finished before one
 * issued earlier on the same file (out of order).
 *
 * <p>Threading: the callbacks run on the ring's agent; read the results after the ring closed.
 */
final class SyncLedger implements BarrierObserver
{
    private static final class FileSyncs
    {
        final List<long[]> inFlight = new ArrayList<>();
        long issued;
        long maxT = -1;
        long maxFullT = -1;
    }

    private final int syncsInFlightMax;
    private final Map<IoFile, FileSyncs> files = new IdentityHashMap<>();
    final Queue<String> violations = new ConcurrentLinkedQueue<>();
    int maxInFlight;
    long syncs;
    long outOfOrder;

    SyncLedger(final int syncsInFlightMax)
    {
        this.syncsInFlightMax = syncsInFlightMax;
    }

    @Override
    public void writeCompleted(final IoFile file, final long writeSeq, final boolean ok, final long nanoTime)
    {
    }

    @Override
    public void syncIssued(final IoFile file, final long covers, final boolean full, final long nanoTime)
    {
        issued(file, covers, full, false);
    }

    /** A user's fsync/fdatasync always syncs (aio_fsync): exempt from "covers something new". */
    @Override
    public void userSyncIssued(final IoFile file, final long covers, final boolean full, final long nanoTime)
    {
        issued(file, covers, full, true);
    }

    private void issued(final IoFile file, final long covers, final boolean full, final boolean user)
    {
        final FileSyncs f = files.computeIfAbsent(file, x -> new FileSyncs());
        syncs++;
        if (f.inFlight.size() >= syncsInFlightMax)
        {
            violations.add("more syncs in flight than K: K=" + syncsInFlightMax + " inFlight=" + (f.inFlight.size() + 1) +
                " path=" + file.path());
        }
        final long previous = full ? f.maxFullT : f.maxT;
        if (covers <= previous && !user)
        {
            violations.add("sync covers nothing new: T=" + covers + " full=" + full + " earlier T=" + previous +
                " path=" + file.path());
        }
        f.maxT = Math.max(f.maxT, covers);
        if (full)
        {
            f.maxFullT = Math.max(f.maxFullT, covers);
        }
        f.inFlight.add(new long[] {f.issued++, covers, full ? 1 : 0});
        maxInFlight = Math.max(maxInFlight, f.inFlight.size());
    }

    @Override
    public void syncCompleted(final IoFile file, final long covers, final boolean full, final int errno, final long nanoTime)
    {
        final FileSyncs f = files.get(file);
        int at = -1;
        for (int i = 0; f != null && i < f.inFlight.size(); i++)
        {
            final long[] s = f.inFlight.get(i);
            if (s[1] == covers && s[2] == (full ? 1 : 0) && (at < 0 || s[0] < f.inFlight.get(at)[0]))
            {
                at = i;
            }
        }
        if (at < 0)
        {
            violations.add("sync completed that was not in flight: T=" + covers + " full=" + full);
            return;
        }
        final long order = f.inFlight.remove(at)[0];
        for (final long[] s : f.inFlight)
        {
            if (s[0] < order)
            {
                outOfOrder++;
                break;
            }
        }
    }
}
