package dev.pageio.direct;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;

/** Segment files in one directory, opened as {@link DirectFile}s under a policy and adopted by a ring. */
final class DirectoryLogStorage implements LogStorage
{
    private final Path directory;
    private final IoRing ring;
    private final DirectIoPolicy policy;
    private final boolean syncWrites;
    private volatile int blockBytes;

    /**
     * @param syncWrites true: files are opened O_DSYNC too (a completed write is durable).
     */
    DirectoryLogStorage(final Path directory, final IoRing ring, final DirectIoPolicy policy, final boolean syncWrites)
        throws IOException
    {
        this.directory = directory;
        this.ring = ring;
        this.policy = policy;
        this.syncWrites = syncWrites;
        Files.createDirectories(directory);
    }

    @Override
    public IoRing ring()
    {
        return ring;
    }

    @Override
    public int blockBytes()
    {
        return blockBytes;
    }

    @Override
    public List<String> names() throws IOException
    {
        final List<String> names = new ArrayList<>();
        try (Stream<Path> list = Files.list(directory))
        {
            list.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    @Override
    public IoFile open(final String name) throws IOException
    {
        return adopt(DirectFile.open(directory.resolve(name), options(StandardOpenOption.READ,
            StandardOpenOption.WRITE), policy));
    }

    @Override
    public IoFile create(final String name, final long sizeBytes) throws IOException
    {
        final DirectFile file = DirectFile.open(directory.resolve(name), options(StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.CREATE), policy);
        try
        {
            if (file.size() < sizeBytes)
            {
                file.preallocate(0, sizeBytes);
            }
        }
        catch (final IOException | RuntimeException e)
        {
            file.close();
            throw e;
        }
        return adopt(file);
    }

    private EnumSet<StandardOpenOption> options(final StandardOpenOption first, final StandardOpenOption... rest)
    {
        final EnumSet<StandardOpenOption> options = EnumSet.of(first, rest);
        if (syncWrites)
        {
            options.add(StandardOpenOption.DSYNC);
        }
        return options;
    }

    @Override
    public boolean syncWrites()
    {
        return syncWrites;
    }

    private IoFile adopt(final DirectFile file) throws IOException
    {
        if (file.syncWrites() != syncWrites)
        {
            file.close();
            throw new IOException("segment file not opened as asked: syncWrites=" + file.syncWrites() +
                " asked=" + syncWrites + " path=" + file.path());
        }
        final int align = Math.max(1, file.offsetAlignment());
        if (align > 4096 || 4096 % align != 0)
        {
            file.close();
            throw new IOException("O_DIRECT alignment does not divide the log's 4096-byte header block: alignment=" +
                align + " path=" + file.path());
        }
        blockBytes = Math.max(blockBytes, Math.max(512, align));
        try
        {
            return ring.adopt(file);
        }
        catch (final RuntimeException e)
        {
            file.close();
            throw e;
        }
    }

    @Override
    public void rename(final String from, final String to) throws IOException
    {
        Files.move(directory.resolve(from), directory.resolve(to), StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void delete(final String name) throws IOException
    {
        Files.deleteIfExists(directory.resolve(name));
    }

    @Override
    public void syncDirectory() throws IOException
    {
        DirectFile.syncDirectory(directory);
    }

    @Override
    public String describe()
    {
        return directory.toString();
    }
}
