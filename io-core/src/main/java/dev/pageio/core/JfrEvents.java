package dev.pageio.core;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

/**
 * pageio's JDK Flight Recorder events, in the {@code dev.pageio} category. Their defaults follow the JDK's own file
 * events ({@code jdk.FileRead}, {@code jdk.FileWrite}, {@code jdk.FileForce}): enabled, with a 20 ms threshold, so a
 * recording started with the JDK's {@code default.jfc} shows only slow I/O; {@code pageio.jfc} (a resource beside
 * this class, {@link PageioJfr#configuration()}) sets the same values explicitly.
 *
 * <p>No stack traces: a request's event is committed on the ring's agent thread, whose stack says nothing about
 * who asked. The event's duration runs from the submitting call (the request was checked and took a slot) to the
 * completion on the agent, which is the latency the application sees; the event's thread is the agent.
 *
 * <p>Loaded only through {@link JfrSupport}, which checks first that the {@code jdk.jfr} module is present.
 */
final class JfrEvents
{
    /** The category of every pageio event. */
    static final String CATEGORY = "dev.pageio";

    private JfrEvents()
    {
    }

    /** Fields common to reads and writes. */
    abstract static class Transfer extends Event
    {
        @Label("Path")
        String path;

        @Label("Offset")
        @Description("Offset in the file of the request, in bytes")
        long offset;

        @Label("Size")
        @Description("Bytes the request asked for")
        @DataAmount
        long size;

        @Label("Bytes")
        @Description("Bytes transferred (less than the size at end of file; 0 on failure)")
        @DataAmount
        long bytes;

        @Label("Vectored")
        boolean vectored;

        @Label("Engine")
        String engine;

        @Label("Ring")
        String ring;

        @Label("Errno")
        @Description("0 on success, else the failure's errno")
        int errno;

        @Label("Error")
        @Description("The errno's name on failure (EIO, ECANCELED, ...), else null")
        String error;
    }

    /** A read (READ or READV) from submission to completion. */
    @Name("pageio.Read")
    @Label("pageio Read")
    @Category(CATEGORY)
    @Description("A read through a pageio ring, from the submitting call to its completion")
    @Threshold("20 ms")
    @StackTrace(false)
    static final class Read extends Transfer
    {
    }

    /** A write (WRITE or WRITEV) from submission to completion. */
    @Name("pageio.Write")
    @Label("pageio Write")
    @Category(CATEGORY)
    @Description("A write through a pageio ring, from the submitting call to its completion")
    @Threshold("20 ms")
    @StackTrace(false)
    static final class Write extends Transfer
    {
    }

    /** An fsync or fdatasync: a barrier's, or a plain one the application asked for. */
    @Name("pageio.Sync")
    @Label("pageio Sync")
    @Category(CATEGORY)
    @Description("An fsync or fdatasync through a pageio ring: one a barrier issued, or a plain one")
    @Threshold("20 ms")
    @StackTrace(false)
    static final class Sync extends Event
    {
        @Label("Path")
        String path;

        @Label("Mode")
        @Description("fsync or fdatasync")
        String mode;

        @Label("Barrier")
        @Description("True when a barrier issued it; false for a plain sync request")
        boolean barrier;

        @Label("Covered Seq")
        @Description("The file's last write sequence number the sync covers (barrier syncs; 0 for plain ones)")
        long coveredSeq;

        @Label("Writes Covered")
        @Description("Writes this sync makes durable that no earlier sync had (barrier syncs; 0 for plain ones)")
        long writesCovered;

        @Label("Engine")
        String engine;

        @Label("Ring")
        String ring;

        @Label("Errno")
        int errno;

        @Label("Error")
        String error;
    }

    /** A barrier, from submission to its success or failure. */
    @Name("pageio.Barrier")
    @Label("pageio Barrier")
    @Category(CATEGORY)
    @Description("A durability barrier through a pageio ring, from the submitting call until it succeeded or failed")
    @Threshold("20 ms")
    @StackTrace(false)
    static final class Barrier extends Event
    {
        @Label("Path")
        String path;

        @Label("Mode")
        @Description("DATA, FULL or AUTO")
        String mode;

        @Label("Covered Seq")
        @Description("The last write sequence number the barrier covers (S)")
        long coveredSeq;

        @Label("Waiters Completed")
        @Description("Barriers completed together with this one by the same sync (1 when it was alone or already covered)")
        int waitersCompleted;

        @Label("Syncs")
        @Description("Syncs issued on the file while this barrier waited (0: an earlier sync already covered it)")
        long syncs;

        @Label("Outcome")
        @Description("SUCCEEDED or FAILED")
        String outcome;

        @Label("Errno")
        int errno;

        @Label("Error")
        String error;

        @Label("Engine")
        String engine;

        @Label("Ring")
        String ring;
    }

    /** A submitter that found every slot of the ring taken and waited (or was refused). */
    @Name("pageio.QueueFull")
    @Label("pageio Queue Full")
    @Category(CATEGORY)
    @Description("A submitting thread found every slot of a pageio ring taken: the wait for a free slot")
    @Threshold("0 ms")
    @StackTrace(true)
    static final class QueueFull extends Event
    {
        @Label("Ring")
        String ring;

        @Label("Engine")
        String engine;

        @Label("Queue Depth")
        int queueDepth;

        @Label("Outcome")
        @Description("ACQUIRED (a slot came free), TIMED_OUT, REFUSED (no wait allowed) or CLOSED")
        String outcome;
    }

    /** One ring's counters ({@link RingStats}), periodically. */
    @Name("pageio.RingStatistics")
    @Label("pageio Ring Statistics")
    @Category(CATEGORY)
    @Description("The counters of one pageio ring since it opened (IoRing.stats())")
    @Period("1 s")
    @Enabled(true)
    @StackTrace(false)
    static final class RingStatistics extends Event
    {
        @Label("Ring")
        String ring;

        @Label("Engine")
        String engine;

        @Label("Submitted")
        long submitted;

        @Label("Completed")
        long completed;

        @Label("Failed")
        long failed;

        @Label("In Flight")
        long inFlight;

        @Label("Bytes Read")
        @DataAmount
        long bytesRead;

        @Label("Bytes Written")
        @DataAmount
        long bytesWritten;

        @Label("System Calls")
        long systemCalls;

        @Label("Submit Calls")
        long submitCalls;

        @Label("Wait Calls")
        long waitCalls;

        @Label("Wakeups")
        long wakeups;

        @Label("Batches")
        long batches;

        @Label("Mean Batch Size")
        double meanBatchSize;

        @Label("Queue Full Waits")
        long queueFullWaits;

        @Label("Queue Full Wait Time")
        @Timespan(Timespan.NANOSECONDS)
        long queueFullWaitTime;

        @Label("Agent Sleeps")
        long agentSleeps;

        @Label("Syncs Issued")
        long syncsIssued;

        @Label("Barriers Completed")
        long barriersCompleted;

        @Label("Commits Per Sync")
        double commitsPerSync;
    }
}
