package dev.pageio.lucene.bench;

import dev.pageio.lucene.PageioDirectory;
import dev.pageio.lucene.PageioDirectoryConfig;
import dev.pageio.lucene.PageioMergeDirectory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.misc.store.DirectIODirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NIOFSDirectory;

/**
 * The Lucene benchmark command (run through {@code pageio-lucene/lucene-bench}; {@code --help} below).
 *
 * <pre>
 * index --impl mmap|niofs|directio|pageio|pageio-merges --dir D [--docs N] [--engine E] [--seed S] [--drop-caches]
 *     Generates a corpus (seeded words, skewed frequencies), indexes it with one IndexWriter, commits,
 *     forceMerge(1), commits; prints index and merge seconds and the page cache the index files hold after
 *     (mincore(2) over every file, as fincore counts).
 * reads --impl pageio|niofs|mmap --dir D --threads T --kind virtual|platform [--seconds S] [--engine E] [--drop-caches]
 *     Random 4-16 KiB readBytes at random offsets of the largest file of the index in D, from T threads each
 *     with its own clone; prints reads/s, MiB/s and latency percentiles (HdrHistogram).
 * </pre>
 *
 * <p>{@code --drop-caches} writes 3 to /proc/sys/vm/drop_caches (after sync) before the run: root only, and
 * only on a machine where nobody else minds.
 */
public final class LuceneBench
{
    private LuceneBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        if (args.length == 0 || args[0].equals("--help"))
        {
            usage();
            return;
        }
        final Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++)
        {
            if (!args[i].startsWith("--"))
            {
                throw new IllegalArgumentException("not an option: arg=" + args[i]);
            }
            final String key = args[i].substring(2);
            if (key.equals("drop-caches"))
            {
                opts.put(key, "true");
            }
            else if (i + 1 < args.length)
            {
                opts.put(key, args[++i]);
            }
            else
            {
                throw new IllegalArgumentException("option without value: option=" + args[i]);
            }
        }
        switch (args[0])
        {
            case "index":
                index(opts);
                break;
            case "reads":
                reads(opts);
                break;
            default:
                throw new IllegalArgumentException("unknown command: command=" + args[0] + " known=index,reads");
        }
    }

    private static void usage()
    {
        System.out.println("usage:\n" +
            "  index --impl mmap|niofs|directio|pageio|pageio-merges --dir D [--docs 3000000] [--engine auto] " +
            "[--seed 1] [--drop-caches]\n" +
            "  reads --impl pageio|niofs|mmap --dir D --threads 1|32|1000 --kind virtual|platform [--seconds 30] " +
            "[--engine auto] [--drop-caches]");
    }

    private static String required(final Map<String, String> opts, final String key)
    {
        final String v = opts.get(key);
        if (v == null)
        {
            throw new IllegalArgumentException("missing option: --" + key);
        }
        return v;
    }

    private static Directory open(final String impl, final Path dir, final String engine) throws IOException
    {
        final PageioDirectoryConfig config = PageioDirectoryConfig.builder().engine(engine).build();
        switch (impl)
        {
            case "mmap":
                return new MMapDirectory(dir);
            case "niofs":
                return new NIOFSDirectory(dir);
            case "directio":
                return new DirectIODirectory(FSDirectory.open(dir));
            case "pageio":
                return new PageioDirectory(dir, FSLockFactory.getDefault(), config);
            case "pageio-merges":
                return new PageioMergeDirectory(new MMapDirectory(dir), config,
                    PageioMergeDirectory.DEFAULT_MIN_BYTES_DIRECT);
            default:
                throw new IllegalArgumentException("unknown impl: impl=" + impl +
                    " known=mmap,niofs,directio,pageio,pageio-merges");
        }
    }

    private static void dropCaches(final Map<String, String> opts) throws Exception
    {
        if (!opts.containsKey("drop-caches"))
        {
            return;
        }
        final Process sync = new ProcessBuilder("sync").inheritIO().start();
        sync.waitFor(120, TimeUnit.SECONDS);
        Files.write(Paths.get("/proc/sys/vm/drop_caches"), "3\n".getBytes(StandardCharsets.US_ASCII));
    }

    // ------------------------------------------------------------------------------------------------- index

    private static void index(final Map<String, String> opts) throws Exception
    {
        final String impl = required(opts, "impl");
        final Path dir = Paths.get(required(opts, "dir"));
        final long docs = Long.parseLong(opts.getOrDefault("docs", "3000000"));
        final String engine = opts.getOrDefault("engine", "auto");
        final long seed = Long.parseLong(opts.getOrDefault("seed", "1"));
        emptyDirectory(dir);
        dropCaches(opts);
        final Corpus corpus = new Corpus(seed);
        final long t0 = System.nanoTime();
        long t1;
        long t2;
        String detail = "";
        try (Directory directory = open(impl, dir, engine))
        {
            final IndexWriterConfig iwc = new IndexWriterConfig(new StandardAnalyzer()).setRAMBufferSizeMB(64)
                .setCommitOnClose(false);
            try (IndexWriter writer = new IndexWriter(directory, iwc))
            {
                for (long i = 0; i < docs; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.commit();
                t1 = System.nanoTime();
                writer.forceMerge(1);
                writer.commit();
                t2 = System.nanoTime();
            }
            if (directory instanceof PageioDirectory)
            {
                detail = " engine=" + ((PageioDirectory)directory).engine() + " directOutputs=" +
                    ((PageioDirectory)directory).directOutputs();
            }
            else if (directory instanceof PageioMergeDirectory)
            {
                detail = " engine=" + ((PageioMergeDirectory)directory).direct().engine() + " directOutputs=" +
                    ((PageioMergeDirectory)directory).direct().directOutputs();
            }
        }
        final long bytes = PageCacheResidency.directoryBytes(dir);
        final long cached = PageCacheResidency.residentBytes(dir);
        System.out.printf(Locale.ROOT, "lucene-index impl=%s docs=%d indexSeconds=%.2f mergeSeconds=%.2f " +
                "totalSeconds=%.2f indexBytes=%d pageCacheBytes=%d pageCachePct=%.1f dropCaches=%s%s%n",
            impl, docs, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, bytes, cached,
            bytes == 0 ? 0.0 : 100.0 * cached / bytes, opts.containsKey("drop-caches"), detail);
    }

    private static void emptyDirectory(final Path dir) throws IOException
    {
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path f : (Iterable<Path>)files::iterator)
            {
                if (Files.isRegularFile(f))
                {
                    Files.delete(f);
                }
            }
        }
    }

    /** Deterministic text: a seeded vocabulary, words drawn with a skew (a few common, many rare). */
    static final class Corpus
    {
        private final String[] vocabulary = new String[50_000];
        private final Random random;
        private final StringBuilder body = new StringBuilder(2048);

        Corpus(final long seed)
        {
            random = new Random(seed);
            final char[] word = new char[12];
            for (int i = 0; i < vocabulary.length; i++)
            {
                final int n = 3 + random.nextInt(9);
                for (int c = 0; c < n; c++)
                {
                    word[c] = (char)('a' + random.nextInt(26));
                }
                vocabulary[i] = new String(word, 0, n);
            }
        }

        Document next(final long id)
        {
            body.setLength(0);
            final int words = 50 + random.nextInt(200);
            for (int w = 0; w < words; w++)
            {
                final double u = random.nextDouble();
                body.append(vocabulary[(int)(u * u * u * vocabulary.length)]).append(' ');
            }
            final Document doc = new Document();
            doc.add(new StringField("id", Long.toString(id), Field.Store.YES));
            doc.add(new TextField("body", body.toString(), Field.Store.YES));
            return doc;
        }
    }

    // ------------------------------------------------------------------------------------------------- reads

    private static void reads(final Map<String, String> opts) throws Exception
    {
        final String impl = required(opts, "impl");
        final Path dir = Paths.get(required(opts, "dir"));
        final int threads = Integer.parseInt(required(opts, "threads"));
        final String kind = opts.getOrDefault("kind", "platform");
        final double seconds = Double.parseDouble(opts.getOrDefault("seconds", "30"));
        final String engine = opts.getOrDefault("engine", "auto");
        dropCaches(opts);
        try (Directory directory = open(impl, dir, engine))
        {
            String largest = null;
            long largestBytes = -1;
            for (final String name : directory.listAll())
            {
                final long n = directory.fileLength(name);
                if (n > largestBytes && !name.endsWith(".lock"))
                {
                    largest = name;
                    largestBytes = n;
                }
            }
            if (largest == null || largestBytes < 64 * 1024)
            {
                throw new IllegalStateException("no index file of 64 KiB or more in dir=" + dir +
                    " (run the index command first)");
            }
            final long fileBytes = largestBytes;
            try (IndexInput input = directory.openInput(largest, IOContext.RANDOM))
            {
                final ExecutorService pool = executor(kind, threads);
                final List<Histogram> histograms = new ArrayList<>();
                final List<Future<?>> tasks = new ArrayList<>();
                final long deadline = System.nanoTime() + (long)(seconds * 1e9);
                final long start = System.nanoTime();
                for (int t = 0; t < threads; t++)
                {
                    final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                    histograms.add(h);
                    tasks.add(pool.submit(() ->
                    {
                        final IndexInput clone = input.clone();
                        final byte[] buffer = new byte[16 * 1024];
                        final ThreadLocalRandom random = ThreadLocalRandom.current();
                        while (System.nanoTime() < deadline)
                        {
                            final int length = 4096 + random.nextInt(12 * 1024 + 1);
                            final long position = random.nextLong(fileBytes - length);
                            final long t0 = System.nanoTime();
                            clone.seek(position);
                            clone.readBytes(buffer, 0, length);
                            h.recordValue(System.nanoTime() - t0);
                        }
                        return null;
                    }));
                }
                for (final Future<?> task : tasks)
                {
                    task.get();
                }
                final double elapsed = (System.nanoTime() - start) / 1e9;
                pool.shutdown();
                pool.awaitTermination(60, TimeUnit.SECONDS);
                final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                histograms.forEach(all::add);
                final double avgBytes = 4096 + 12 * 1024 / 2.0;
                System.out.printf(Locale.ROOT, "lucene-reads impl=%s kind=%s threads=%d seconds=%.1f file=%s " +
                        "fileBytes=%d reads=%d readsPerSec=%.0f MiBPerSec=%.1f p50Us=%.1f p99Us=%.1f p999Us=%.1f " +
                        "maxUs=%.1f dropCaches=%s%s%n",
                    impl, kind, threads, elapsed, largest, fileBytes, all.getTotalCount(),
                    all.getTotalCount() / elapsed, all.getTotalCount() * avgBytes / elapsed / (1 << 20),
                    all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                    all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3, opts.containsKey("drop-caches"),
                    directory instanceof PageioDirectory ? " engine=" + ((PageioDirectory)directory).engine() : "");
            }
        }
    }

    private static ExecutorService executor(final String kind, final int threads) throws Exception
    {
        switch (kind)
        {
            case "platform":
                return Executors.newFixedThreadPool(threads);
            case "virtual":
                if (Runtime.version().feature() < 21)
                {
                    throw new IllegalArgumentException("virtual threads need JDK 21+: jdk=" + Runtime.version());
                }
                return (ExecutorService)Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
            default:
                throw new IllegalArgumentException("unknown kind: kind=" + kind + " known=platform,virtual");
        }
    }
}
