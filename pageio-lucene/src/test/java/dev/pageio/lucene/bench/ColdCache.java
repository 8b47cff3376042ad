package dev.pageio.lucene.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounds the page cache this process may hold while it measures, so that reads through the page cache
 * (NIOFSDirectory, MMapDirectory) are cold reads from the disk and not memory: the process moves itself into a
 * new memory cgroup, a child of the one it runs in (so everything stays accounted where it was), whose limit a
 * monitor thread keeps at the process's memory other than page cache plus {@code roomBytes} (every 5 ms). What the
 * process allocated before the move stays charged to its old cgroup (cgroup v1 and v2 both leave charges where
 * they were made), so only the page cache and what the JVM allocates during the run count against the child, and
 * the JVM's growth never eats into the room. A burst of JVM memory faster than the monitor (more than the room
 * within 5 ms: thousands of threads touching new stack pages at once, a compiler arena) makes the kernel kill the
 * JVM at the limit (the run fails with "Killed"; the bench warms its threads up before the move so that this does
 * not happen). The OOM killer stays on: with it off ({@code memory.oom_control}) a thread stuck at the limit inside
 * Java code holds up the next safepoint, and the monitor, a Java thread, then waits at that safepoint and never
 * raises the limit (seen here with 1000 platform threads). If the monitor fails, it lifts the limit before it
 * stops. It reads the control files through descriptors it keeps open. The kernel reclaims the child's page cache
 * when its file pages pass the room: the reading threads pay that reclaim, as a memory-constrained reader does.
 *
 * <p>cgroup v1 (a {@code memory} hierarchy, as on this project's machine): the child is created under the
 * process's own memory cgroup, limit {@code memory.limit_in_bytes}. cgroup v2: under the root, when the root
 * delegates the {@code memory} controller (a child of a non-root cgroup that holds processes cannot have
 * controllers), limit {@code memory.max}; not tried on this project's machine (it runs v1). Root only. On close
 * the process moves back and the child is removed ({@code lucene-bench} also removes one left by a killed JVM).
 */
final class ColdCache implements AutoCloseable
{
    private static final long PAGE = 4096;
    private static final long MONITOR_PERIOD_NS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Path origin;
    private final Path child;
    private final boolean v2;
    private final long roomBytes;
    private final Thread monitor;
    private volatile boolean stop;
    private volatile long peakFileBytes;
    private volatile long limitWrites;
    private volatile IOException monitorFailure;
    /** The limit last written (under this object's lock). */
    private long lastLimit = -1;
    /** The child's usage and memory.stat, kept open; the buffer they are read into (under this object's lock). */
    private RandomAccessFile usage;
    private RandomAccessFile stat;
    private final byte[] buffer = new byte[64 * 1024];

    private ColdCache(final Path origin, final Path child, final boolean v2, final long roomBytes)
    {
        this.origin = origin;
        this.child = child;
        this.v2 = v2;
        this.roomBytes = roomBytes;
        this.monitor = new Thread(this::monitor, "lucene-bench-cold-cache");
        monitor.setDaemon(true);
    }

    /**
     * Moves this process into a new memory cgroup whose page cache is bounded to {@code roomBytes}.
     *
     * @param name the child cgroup's name (unique per run: {@code lucene-bench} passes one with its pid).
     * @throws IOException when there is no memory cgroup to use, or not as root.
     */
    static ColdCache enter(final String name, final long roomBytes) throws IOException
    {
        if (roomBytes < PAGE)
        {
            throw new IllegalArgumentException("cold cache room too small: roomBytes=" + roomBytes + " min=" + PAGE);
        }
        String v1Path = null;
        String v2Path = null;
        for (final String line : Files.readAllLines(Paths.get("/proc/self/cgroup")))
        {
            final String[] f = line.split(":", 3);
            if (f.length == 3 && (f[1].equals("memory") || f[1].contains("memory,") || f[1].endsWith(",memory")))
            {
                v1Path = f[2];
            }
            else if (f.length == 3 && f[0].equals("0") && f[1].isEmpty())
            {
                v2Path = f[2];
            }
        }
        final ColdCache cold;
        if (v1Path != null)
        {
            final Path origin = Paths.get("/sys/fs/cgroup/memory" + v1Path);
            cold = new ColdCache(origin, origin.resolve(name), false, roomBytes);
        }
        else if (v2Path != null)
        {
            final Path root = Paths.get("/sys/fs/cgroup");
            final Path control = root.resolve("cgroup.subtree_control");
            if (!Files.isRegularFile(control) ||
                !(" " + Files.readString(control).trim() + " ").contains(" memory "))
            {
                throw new IOException("cgroup v2 without the memory controller delegated at the root: " + control +
                    " does not list memory; --cold needs a memory cgroup");
            }
            cold = new ColdCache(Paths.get("/sys/fs/cgroup" + v2Path), root.resolve(name), true, roomBytes);
        }
        else
        {
            throw new IOException("no memory cgroup in /proc/self/cgroup: --cold needs cgroup v1 memory or v2");
        }
        cold.start();
        return cold;
    }

    private void start() throws IOException
    {
        if (Files.exists(child))
        {
            Files.delete(child); // left by a run that was killed (empty: its process is gone)
        }
        try
        {
            Files.createDirectory(child);
        }
        catch (final IOException e)
        {
            throw new IOException("cannot create a memory cgroup (root only): path=" + child + " cause=" + e, e);
        }
        try
        {
            usage = new RandomAccessFile(child.resolve(v2 ? "memory.current" : "memory.usage_in_bytes").toFile(),
                "r");
            stat = new RandomAccessFile(child.resolve("memory.stat").toFile(), "r");
            writeLimit(nonFileBytes() + roomBytes); // empty child: the room alone, before anything moves in
            write(child.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
            adjust();
        }
        catch (final IOException | RuntimeException e)
        {
            try
            {
                leave();
            }
            catch (final IOException suppressed)
            {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        monitor.start();
    }

    /** @return the bound on page cache. */
    long roomBytes()
    {
        return roomBytes;
    }

    /** @return the most page cache (file LRU) the child held at a monitor's look. */
    long peakFileBytes()
    {
        return peakFileBytes;
    }

    /** @return times the monitor rewrote the limit. */
    long limitWrites()
    {
        return limitWrites;
    }

    private void monitor()
    {
        while (!stop)
        {
            try
            {
                adjust();
            }
            catch (final IOException e)
            {
                monitorFailure = e;
                try
                {
                    write(child.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), v2 ? "max" : "-1");
                }
                catch (final IOException suppressed)
                {
                    e.addSuppressed(suppressed);
                }
                return;
            }
            LockSupport.parkNanos(MONITOR_PERIOD_NS);
        }
    }

    /** Sets the limit to the child's memory other than page cache plus the room, when that moved by a page. */
    private synchronized void adjust() throws IOException
    {
        final long file = fileBytes();
        peakFileBytes = Math.max(peakFileBytes, file);
        final long limit = nonFileBytes() + roomBytes;
        if (Math.abs(limit - lastLimit) >= PAGE)
        {
            writeLimit(limit);
        }
    }

    private void writeLimit(final long limit) throws IOException
    {
        final long rounded = (limit + PAGE - 1) & -PAGE;
        write(child.resolve(v2 ? "memory.max" : "memory.limit_in_bytes"), Long.toString(rounded));
        lastLimit = limit;
        limitWrites++;
    }

    /** @return the child's charged memory minus its page cache. */
    private long nonFileBytes() throws IOException
    {
        final int n = readAt0(usage);
        final long charged = parseLong(0, n);
        return Math.max(0, charged - fileBytes());
    }

    /** @return the child's page cache: its active and inactive file LRU lists (memory.stat). */
    private long fileBytes() throws IOException
    {
        final int n = readAt0(stat);
        long file = 0;
        int line = 0;
        while (line < n)
        {
            int end = line;
            while (end < n && buffer[end] != '\n')
            {
                end++;
            }
            if (startsWith(line, end, "active_file ") || startsWith(line, end, "inactive_file "))
            {
                int value = line;
                while (buffer[value] != ' ')
                {
                    value++;
                }
                file += parseLong(value + 1, end);
            }
            line = end + 1;
        }
        return file;
    }

    /** Reads a control file from its start into {@link #buffer}, through the descriptor kept open. */
    private int readAt0(final RandomAccessFile file) throws IOException
    {
        file.seek(0);
        int n = 0;
        int r;
        while (n < buffer.length && (r = file.read(buffer, n, buffer.length - n)) > 0)
        {
            n += r;
        }
        return n;
    }

    private boolean startsWith(final int from, final int end, final String prefix)
    {
        if (end - from < prefix.length())
        {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++)
        {
            if (buffer[from + i] != prefix.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private long parseLong(final int from, final int end)
    {
        long v = 0;
        for (int i = from; i < end && buffer[i] >= '0' && buffer[i] <= '9'; i++)
        {
            v = v * 10 + (buffer[i] - '0');
        }
        return v;
    }

    private static void write(final Path file, final String value) throws IOException
    {
        Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
    }

    /** Moves the process back and removes the child. */
    @Override
    public void close() throws IOException
    {
        stop = true;
        monitor.interrupt();
        try
        {
            monitor.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        leave();
        if (monitorFailure != null)
        {
            throw new IOException("cold cache monitor failed: " + monitorFailure.getMessage(), monitorFailure);
        }
    }

    private void leave() throws IOException
    {
        for (final RandomAccessFile file : new RandomAccessFile[] {usage, stat})
        {
            if (file != null)
            {
                file.close();
            }
        }
        if (Files.exists(child.resolve("cgroup.procs")))
        {
            write(origin.resolve("cgroup.procs"), Long.toString(ProcessHandle.current().pid()));
        }
        IOException last = null;
        for (int attempt = 0; attempt < 50 && Files.exists(child); attempt++)
        {
            try
            {
                Files.delete(child);
            }
            catch (final IOException e)
            {
                last = e; // EBUSY while the last thread moves out
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
        if (Files.exists(child))
        {
            throw new IOException("cannot remove the memory cgroup: path=" + child, last);
        }
    }

    @Override
    public String toString()
    {
        return "ColdCache(child=" + child + " roomBytes=" + roomBytes + ")";
    }
}
