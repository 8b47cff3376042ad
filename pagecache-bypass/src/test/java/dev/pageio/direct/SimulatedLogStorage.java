package dev.pageio.direct;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.testing.sim.SimulatedFile;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * A log directory on the simulated device (io-test-support's dev.pageio.testing.sim): segment files are raw {@link SimulatedFile}s
 * (volatile cache, durable store, faults); the directory itself is modelled too: creates, renames and deletes
 * survive a crash only once {@link #syncDirectory()} ran after them.
 */
final class SimulatedLogStorage implements LogStorage
{
    private final IoRing ring;
    private final Map<String, SimulatedFile> live = new HashMap<>();
    private Map<String, SimulatedFile> durable = new HashMap<>();
    private final Consumer<SimulatedFile> onCreate;
    private final List<SimulatedFile> created = new ArrayList<>();
    private final boolean dsync;

    /**
     * @param ring     a ring on the simulated engine.
     * @param content  the files present at start (a crash image), by name.
     * @param onCreate called with each file created (to inject faults), in creation order.
     */
    SimulatedLogStorage(final IoRing ring, final Map<String, byte[]> content, final Consumer<SimulatedFile> onCreate)
    {
        this(ring, content, onCreate, false);
    }

    /**
     * @param ring     a ring on the simulated engine.
     * @param content  the files present at start (a crash image), by name.
     * @param onCreate called with each file created (to inject faults), in creation order.
     * @param dsync    true: every file is opened O_DSYNC ({@link SimulatedFile#dsync()}), for
     *                 {@link LogConfig.SyncMode#DSYNC}.
     */
    SimulatedLogStorage(final IoRing ring, final Map<String, byte[]> content, final Consumer<SimulatedFile> onCreate,
        final boolean dsync)
    {
        this.ring = ring;
        this.onCreate = onCreate;
        this.dsync = dsync;
        for (final Map.Entry<String, byte[]> e : content.entrySet())
        {
            final SimulatedFile f = new SimulatedFile(path(e.getKey()), e.getValue());
            live.put(e.getKey(), dsync ? f.dsync() : f);
        }
        durable = new HashMap<>(live);
    }

    private static Path path(final String name)
    {
        return Paths.get("/sim/log", name);
    }

    @Override
    public IoRing ring()
    {
        return ring;
    }

    @Override
    public int blockBytes()
    {
        return SimulatedFile.SECTOR;
    }

    @Override
    public boolean syncWrites()
    {
        return dsync;
    }

    @Override
    public synchronized List<String> names()
    {
        return new ArrayList<>(live.keySet());
    }

    @Override
    public synchronized IoFile open(final String name) throws IOException
    {
        final SimulatedFile f = live.get(name);
        if (f == null)
        {
            throw new IOException("no such file: name=" + name);
        }
        return ring.adopt(f);
    }

    @Override
    public synchronized IoFile create(final String name, final long sizeBytes) throws IOException
    {
        if (live.containsKey(name))
        {
            throw new IOException("file exists: name=" + name);
        }
        final SimulatedFile f = new SimulatedFile(path(name)).raw();
        if (dsync)
        {
            f.dsync();
        }
        created.add(f);
        onCreate.accept(f);
        live.put(name, f);
        return ring.adopt(f);
    }

    @Override
    public synchronized void rename(final String from, final String to) throws IOException
    {
        final SimulatedFile f = live.remove(from);
        if (f == null)
        {
            throw new IOException("no such file: name=" + from);
        }
        live.put(to, f);
    }

    @Override
    public synchronized void delete(final String name)
    {
        live.remove(name);
    }

    @Override
    public synchronized void syncDirectory()
    {
        durable = new HashMap<>(live);
    }

    @Override
    public String describe()
    {
        return "/sim/log";
    }

    /** @return the files created so far (for their fault and error state). */
    synchronized List<SimulatedFile> created()
    {
        return new ArrayList<>(created);
    }

    /**
     * The directory a reboot would see: the durable entries, each with its crash image. Only once the ring is
     * closed (the device state is its agent's).
     */
    synchronized Map<String, byte[]> crash(final SimulatedFile.CrashMode mode, final Random random)
    {
        final Map<String, byte[]> out = new HashMap<>();
        for (final String name : new TreeSet<>(durable.keySet()))
        {
            out.put(name, durable.get(name).crashBytes(mode, random));
        }
        return out;
    }
}
