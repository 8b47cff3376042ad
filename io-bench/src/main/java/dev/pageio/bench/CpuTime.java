package dev.pageio.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of the whole process (every thread: jobs, ring agents, the JDK's pools, JIT and GC), as fio's
 * usr+sys: the total in nanoseconds from {@code com.sun.management.OperatingSystemMXBean}, and the
 * user/system split from {@code /proc/self/stat} (fields 14 utime and 15 stime, in USER_HZ = 100 ticks per
 * second; see man 5 proc).
 */
final class CpuTime
{
    private static final long NS_PER_TICK = 10_000_000L;

    final long totalNs;
    final long userNs;
    final long systemNs;

    private CpuTime(final long totalNs, final long userNs, final long systemNs)
    {
        this.totalNs = totalNs;
        this.userNs = userNs;
        this.systemNs = systemNs;
    }

    /** @return the process's CPU time so far. */
    static CpuTime now()
    {
        long total = -1;
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean)
        {
            total = ((com.sun.management.OperatingSystemMXBean)os).getProcessCpuTime();
        }
        long user = -1;
        long system = -1;
        try
        {
            final String stat = Files.readString(Path.of("/proc/self/stat"));
            // the command name (field 2) may hold spaces: count fields after its closing parenthesis
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            user = Long.parseLong(f[11]) * NS_PER_TICK;
            system = Long.parseLong(f[12]) * NS_PER_TICK;
        }
        catch (final IOException | RuntimeException e)
        {
            // not Linux: the total alone
        }
        if (total < 0 && user >= 0)
        {
            total = user + system;
        }
        return new CpuTime(total, user, system);
    }

    /** @return this minus an earlier sample. */
    CpuTime since(final CpuTime earlier)
    {
        return new CpuTime(totalNs - earlier.totalNs,
            userNs < 0 ? -1 : userNs - earlier.userNs,
            systemNs < 0 ? -1 : systemNs - earlier.systemNs);
    }
}
