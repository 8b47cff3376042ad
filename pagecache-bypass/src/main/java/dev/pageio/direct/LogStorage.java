package dev.pageio.direct;

import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;

import java.io.IOException;
import java.util.List;

/**
 * Where a {@link LogFile} keeps its segment files: a directory of O_DIRECT files on a ring
 * ({@link DirectoryLogStorage}), or, in tests, the simulated device. Names are plain file names. Blocking calls
 * (open, create, rename, delete, directory sync): the log's own threads, never the ring's agent.
 *
 * <p>Durability contract: {@link #create} preallocates the file; the caller makes the file durable (its header
 * write and an fsync through the ring), then calls {@link #syncDirectory()} so the entry survives a crash.
 * {@link #rename} and {@link #delete} are durable after the next {@link #syncDirectory()}.
 */
interface LogStorage
{
    /** @return the ring segment files are open on. */
    IoRing ring();

    /** @return write granularity: the O_DIRECT offset alignment of the files opened so far, at least 512 and dividing 4096; 0 before any. */
    int blockBytes();

    /**
     * @return true when {@link #open} and {@link #create} give files opened O_DSYNC (a completed write is durable,
     * {@link LogConfig.SyncMode#DSYNC}); every file they give then reports {@code access().syncWrites()}.
     */
    boolean syncWrites();

    /** @return the names of the files present. */
    List<String> names() throws IOException;

    /** Opens an existing file. @return it, on {@link #ring()}. */
    IoFile open(String name) throws IOException;

    /** Creates a file preallocated to {@code sizeBytes}. @return it, on {@link #ring()}. */
    IoFile create(String name, long sizeBytes) throws IOException;

    /** Renames a (closed) file. */
    void rename(String from, String to) throws IOException;

    /** Deletes a (closed) file. */
    void delete(String name) throws IOException;

    /** Makes creates, renames and deletes so far durable. */
    void syncDirectory() throws IOException;

    /** @return where, for messages. */
    String describe();
}
