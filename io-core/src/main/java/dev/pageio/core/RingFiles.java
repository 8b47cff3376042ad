package dev.pageio.core;

import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files open on one {@link IoRing}, a part of its API side: the rule for open options, the set of open files
 * (its {@link FileState}s are the live view the agent is given), and the files' part of the ring's close.
 *
 * <p>Threading: any thread.
 */
final class RingFiles
{
    private final Map<FileState, IoFile> files = new ConcurrentHashMap<>();

    /** @return the open files' states, a live view (for the agent's forced close). */
    Collection<FileState> states()
    {
        return files.keySet();
    }

    void add(final IoFile file)
    {
        files.put(file.state(), file);
    }

    void remove(final IoFile file)
    {
        files.remove(file.state());
    }

    /**
     * The options of {@link IoRing#open}: READ when none is given; APPEND refused (see {@link #refuseAppend}).
     *
     * @return a set of the options, the caller's to keep.
     */
    static Set<OpenOption> openOptions(final Path path, final OpenOption[] options, final String engine)
    {
        final Set<OpenOption> set = new HashSet<>(Arrays.asList(options));
        refuseAppend(path, set, engine);
        if (set.isEmpty())
        {
            set.add(StandardOpenOption.READ);
        }
        return set;
    }

    /**
     * O_APPEND is refused on every engine, before anything is opened or created. Every request names its file
     * offset, and Linux's pwrite ignores that offset on an O_APPEND file (man 2 pwrite, BUGS), so the offset would
     * lie; and the ring runs writes concurrently (and resubmits short ones), so appended writes would land in
     * completion order, not in submission order as a log writer expects. Append by writing at an offset you keep
     * (starting at {@link IoFile#size()}), and make it durable with a barrier.
     *
     * @throws IllegalArgumentException when {@code options} holds APPEND.
     */
    static void refuseAppend(final Path path, final Set<? extends OpenOption> options, final String engine)
    {
        if (options.contains(StandardOpenOption.APPEND))
        {
            throw new IllegalArgumentException("open option not supported: option=APPEND engine=" + engine +
                " path=" + path + ": requests name their offset, which pwrite ignores under O_APPEND, and run " +
                "concurrently, so appends would land out of order; write at an offset you keep (from size())");
        }
    }

    /**
     * The ring's close begins: starts the close of each file still open (a file whose close began before reports
     * through its own future, {@link IoFile#closeAsync()}).
     *
     * @return the files whose close this started.
     */
    List<IoFile> startClosing()
    {
        final List<IoFile> closing = new ArrayList<>();
        for (final IoFile file : List.copyOf(files.values()))
        {
            if (file.isClosed())
            {
                continue;
            }
            file.closeAsync();
            closing.add(file);
        }
        return closing;
    }

    /**
     * After the ring's close: the first close failure of {@code closing}, the original one, with any other file's as
     * suppressed.
     *
     * @throws IoFailure when a file's close barrier failed.
     */
    static void throwFirstFailure(final List<IoFile> closing) throws IoFailure
    {
        IoFailure failure = null;
        for (final IoFile file : closing)
        {
            final IoFailure f = file.closeFailure();
            if (f == null)
            {
                continue;
            }
            file.closeFailureReported();
            if (failure == null)
            {
                failure = f;
            }
            else if (f != failure)
            {
                failure.addSuppressed(f);
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }

    /** The ring has shut down: closes what is left and forgets every file. */
    void closeAll()
    {
        for (final IoFile file : List.copyOf(files.values()))
        {
            file.closeAsync();
        }
        files.clear();
    }
}
