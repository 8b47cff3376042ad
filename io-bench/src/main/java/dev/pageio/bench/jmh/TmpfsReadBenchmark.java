package dev.pageio.bench.jmh;

import dev.pageio.bench.BenchOptions;
import dev.pageio.bench.Buffers;
import dev.pageio.bench.OffsetGenerator;
import dev.pageio.bench.TestFile;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under every engine: one synchronous 4 KiB read from a tmpfs file, through pageio's JNA
 * {@code pread} (io-native) and through {@link FileChannel}. A ring's per-request overhead is measured
 * against these. {@code ./pageio-bench --jmh TmpfsRead -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TmpfsReadBenchmark
{
    /** The file, on tmpfs; created, filled and deleted by the benchmark. */
    @Param("/dev/shm/pageio-jmh.dat")
    public String path;

    private static final long SIZE = 64L << 20;
    private static final int BLOCK = 4096;

    private FdFileAccess file;
    private FileChannel channel;
    private ByteBuffer buffer;
    private long address;
    private OffsetGenerator offsets;

    /** Fills the file and opens it both ways. */
    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        TestFile.prepare(Path.of(path), SIZE, System.err);
        file = FdFileAccess.open(Path.of(path), Set.of(StandardOpenOption.READ), 0);
        channel = FileChannel.open(Path.of(path), StandardOpenOption.READ);
        buffer = Buffers.aligned(BLOCK, 1);
        address = Linux.address(buffer);
        offsets = new OffsetGenerator(BenchOptions.parse("--size", "64m"), 7, new AtomicLong(), 0);
    }

    /** Closes and deletes. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        file.close();
        channel.close();
        Files.deleteIfExists(Path.of(path));
    }

    /** @return bytes read by one pread(2) through JNA direct mapping. */
    @Benchmark
    public long jnaPread()
    {
        return Linux.pread(file.fd(), address, BLOCK, offsets.nextOffset());
    }

    /** @return bytes read by one positional FileChannel read. */
    @Benchmark
    public int fileChannelRead() throws IOException
    {
        buffer.clear();
        return channel.read(buffer, offsets.nextOffset());
    }
}
