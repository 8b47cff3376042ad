package dev.pageio.lucene.bench;

import com.sun.jna.Native;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Counters of the whole process, every thread included (exited ones too), read before and after a run: CPU time,
 * context switches and major faults from getrusage(RUSAGE_SELF) (man 2 getrusage), and bytes the process had read
 * from the storage layer ({@code read_bytes} of /proc/self/io, man 5 proc: page-cache misses and O_DIRECT reads,
 * readahead included; a read served by the page cache adds nothing).
 */
final class ProcessCounters
{
    static
    {
        Native.register("c");
    }

    private static final int RUSAGE_SELF = 0;
    /** struct rusage on 64-bit Linux: two timevals (4 longs), then 14 longs; ru_majflt at 9, ru_nvcsw at 16. */
    private static final int RUSAGE_LONGS = 18;

    final long cpuNs;
    final long voluntarySwitches;
    final long involuntarySwitches;
    final long majorFaults;
    final long storageReadBytes;

    private static native int getrusage(int who, long[] usage);

    private ProcessCounters(final long cpuNs, final long voluntarySwitches, final long involuntarySwitches,
        final long majorFaults, final long storageReadBytes)
    {
        this.cpuNs = cpuNs;
        this.voluntarySwitches = voluntarySwitches;
        this.involuntarySwitches = involuntarySwitches;
        this.majorFaults = majorFaults;
        this.storageReadBytes = storageReadBytes;
    }

    /** @return the counters now. */
    static ProcessCounters now() throws IOException
    {
        final long[] u = new long[RUSAGE_LONGS];
        if (getrusage(RUSAGE_SELF, u) != 0)
        {
            throw new IOException("getrusage failed: errno=" + Native.getLastError());
        }
        final long cpuNs = (u[0] + u[2]) * 1_000_000_000L + (u[1] + u[3]) * 1_000L;
        return new ProcessCounters(cpuNs, u[16], u[17], u[9], storageReadBytes());
    }

    /** @return these counters minus {@code earlier}. */
    ProcessCounters minus(final ProcessCounters earlier)
    {
        return new ProcessCounters(cpuNs - earlier.cpuNs, voluntarySwitches - earlier.voluntarySwitches,
            involuntarySwitches - earlier.involuntarySwitches, majorFaults - earlier.majorFaults,
            storageReadBytes - earlier.storageReadBytes);
    }

    private static long storageReadBytes() throws IOException
    {
        for (final String line : Files.readAllLines(Paths.get("/proc/self/io")))
        {
            if (line.startsWith("read_bytes:"))
            {
                return Long.parseLong(line.substring("read_bytes:".length()).trim());
            }
        }
        throw new IOException("no read_bytes in /proc/self/io");
    }
}
