package dev.pageio.lucene.bench;

import dev.pageio.core.IoOp;
import dev.pageio.core.RingStats;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.HdrHistogram.Histogram;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.FilterMergePolicy;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.MergeTrigger;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.TieredMergePolicy;
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
 * index --impl mmap|niofs|directio|pageio|pageio-merges --dir D [--docs 120000] [--flush-docs 4000] [--engine E]
 *       [--seed S] [--queue-depth Q] [--drop-caches]
 *     Generates a corpus (seeded words, skewed frequencies) and indexes it with one IndexWriter that flushes a
 *     segment every --flush-docs documents and merges nothing while it adds (a TieredMergePolicy whose natural
 *     merges are off), commits, then forceMerge(1) (that TieredMergePolicy, one merge of every segment) and
 *     commits. Prints index and merge seconds, the segments before the merge, and the page cache the index files
 *     hold after indexing and after the merge (mincore(2) over every file, as fincore counts).
 * reads --impl pageio|pageio-ring|niofs|mmap --dir D --threads T --kind virtual|platform [--seconds 10]
 *       [--warm-seconds 1] [--cold] [--cold-cache-mib 16] [--engine E] [--queue-depth Q] [--drop-caches]
 *     Random 4-16 KiB readBytes at random offsets of the index files in D larger than 1 MiB (a file drawn in
 *     proportion to its size), from T threads each with its own clones, after --warm-seconds of the same reads.
 *     pageio-ring: pageio with every read through the ring (callerThreadReads off). --cold: the page cache of the index files is dropped
 *     (POSIX_FADV_DONTNEED), and the process may hold at most --cold-cache-mib of page cache while it reads
 *     (a memory cgroup, see ColdCache; root only). Prints reads/s, latency percentiles (HdrHistogram), and counts
 *     per read: bytes fetched from storage (/proc/self/io), context switches and CPU (getrusage), and for pageio
 *     the ring's reads, bytes per read, system calls and wake-ups, and the reads made on the calling thread.
 * </pre>
 *
 * <p>{@code --drop-caches} writes 3 to /proc/sys/vm/drop_caches (after sync) before the run: root only, and
 * only on a machine where nobody else minds.
 */
public final class LuceneBench
{
    /** Files the reads command reads: larger than this (smaller ones are read whole by PageioDirectory). */
    private static final long MIN_READ_FILE_BYTES = 1 << 20;

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
            if (key.equals("drop-caches") || key.equals("cold"))
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
            "  index --impl mmap|niofs|directio|pageio|pageio-merges --dir D [--docs 120000] [--flush-docs 4000] " +
            "[--engine auto] [--seed 1] [--queue-depth 1024] [--drop-caches]\n" +
            "  reads --impl pageio|pageio-ring|niofs|mmap --dir D --threads 1|32|1000 --kind virtual|platform " +
            "[--seconds 10] [--warm-seconds 1] [--cold] [--cold-cache-mib 16] [--engine auto] [--queue-depth 1024] " +
            "[--drop-caches]");
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

    private static Directory open(final String impl, final Path dir, final Map<String, String> opts)
        throws IOException
    {
        final String engine = opts.getOrDefault("engine", "auto");
        final PageioDirectoryConfig.Builder builder = PageioDirectoryConfig.builder().engine(engine);
        if (opts.containsKey("queue-depth"))
        {
            builder.queueDepth(Integer.parseInt(opts.get("queue-depth")));
        }
        final PageioDirectoryConfig config = builder.build();
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
            case "pageio-ring":
                return new PageioDirectory(dir, FSLockFactory.getDefault(), builder.callerThreadReads(false).build());
            case "pageio-merges":
                return new PageioMergeDirectory(new MMapDirectory(dir), config,
                    PageioMergeDirectory.DEFAULT_MIN_BYTES_DIRECT);
            default:
                throw new IllegalArgumentException("unknown impl: impl=" + impl +
                    " known=mmap,niofs,directio,pageio,pageio-ring,pageio-merges");
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

    /**
     * The merge policy of the index command: a TieredMergePolicy with its natural merges off, so that indexing
     * leaves one segment per flush and {@code forceMerge(1)} has them all to merge (with the TieredMergePolicy's
     * forced-merge rules and compound-file choice).
     */
    static final class ForcedMergesOnly extends FilterMergePolicy
    {
        ForcedMergesOnly(final MergePolicy in)
        {
            super(in);
        }

        @Override
        public MergeSpecification findMerges(final MergeTrigger trigger, final SegmentInfos infos,
            final MergeContext context)
        {
            return null;
        }

        @Override
        public MergeSpecification findFullFlushMerges(final MergeTrigger trigger, final SegmentInfos infos,
            final MergeContext context)
        {
            return null;
        }
    }

    private static void index(final Map<String, String> opts) throws Exception
    {
        final String impl = required(opts, "impl");
        final Path dir = Paths.get(required(opts, "dir"));
        final long docs = Long.parseLong(opts.getOrDefault("docs", "120000"));
        final int flushDocs = Integer.parseInt(opts.getOrDefault("flush-docs", "4000"));
        final long seed = Long.parseLong(opts.getOrDefault("seed", "1"));
        emptyDirectory(dir);
        dropCaches(opts);
        final Corpus corpus = new Corpus(seed);
        final long t0 = System.nanoTime();
        long t1;
        long t2;
        int segments;
        long cachedAfterIndex;
        String detail = "";
        try (Directory directory = open(impl, dir, opts))
        {
            // flush by document count (the RAM buffer only as a bound), so every impl writes the same segments
            final IndexWriterConfig iwc = new IndexWriterConfig(new StandardAnalyzer()).setRAMBufferSizeMB(256)
                .setMaxBufferedDocs(flushDocs).setMergePolicy(new ForcedMergesOnly(new TieredMergePolicy()))
                .setCommitOnClose(false);
            try (IndexWriter writer = new IndexWriter(directory, iwc))
            {
                for (long i = 0; i < docs; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.commit();
                t1 = System.nanoTime();
                segments = SegmentInfos.readLatestCommit(directory).size();
                cachedAfterIndex = PageCacheResidency.residentBytes(dir);
                final long t1b = System.nanoTime();
                writer.forceMerge(1);
                writer.commit();
                t2 = System.nanoTime() - (t1b - t1); // the residency count is not merge time
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
        System.out.printf(Locale.ROOT, "lucene-index impl=%s docs=%d flushDocs=%d segmentsBeforeMerge=%d " +
                "indexSeconds=%.2f mergeSeconds=%.2f totalSeconds=%.2f pageCacheAfterIndexBytes=%d indexBytes=%d " +
                "pageCacheBytes=%d pageCachePct=%.1f dropCaches=%s%s%n",
            impl, docs, flushDocs, segments, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t2 - t0) / 1e9, cachedAfterIndex,
            bytes, cached, bytes == 0 ? 0.0 : 100.0 * cached / bytes, opts.containsKey("drop-caches"), detail);
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
        final double seconds = Double.parseDouble(opts.getOrDefault("seconds", "10"));
        final boolean cold = opts.containsKey("cold");
        final long roomBytes = Long.parseLong(opts.getOrDefault("cold-cache-mib", "16")) << 20;
        final double warmSeconds = Double.parseDouble(opts.getOrDefault("warm-seconds", "1"));
        dropCaches(opts);
        try (Directory directory = open(impl, dir, opts))
        {
            final List<String> names = new ArrayList<>();
            final List<Path> paths = new ArrayList<>();
            for (final String name : directory.listAll())
            {
                if (!name.endsWith(".lock") && directory.fileLength(name) > MIN_READ_FILE_BYTES)
                {
                    names.add(name);
                    paths.add(dir.resolve(name));
                }
            }
            if (names.isEmpty())
            {
                throw new IllegalStateException("no index file larger than " + MIN_READ_FILE_BYTES + " bytes in dir=" +
                    dir + " (run the index command first)");
            }
            final IndexInput[] inputs = new IndexInput[names.size()];
            final long[] ends = new long[names.size()]; // cumulative sizes: a file is drawn in proportion to its size
            long workingSet = 0;
            for (int i = 0; i < inputs.length; i++)
            {
                inputs[i] = directory.openInput(names.get(i), IOContext.RANDOM);
                workingSet += inputs[i].length();
                ends[i] = workingSet;
            }
            final long totalBytes = workingSet;
            try
            {
                final ExecutorService pool = executor(kind, threads);
                final List<Histogram> histograms = new ArrayList<>();
                final long[][] requested = new long[threads][1];
                for (int t = 0; t < threads; t++)
                {
                    // 2 significant digits (1 %): 27 KB a histogram, allocated now, before a --cold move
                    histograms.add(new Histogram(TimeUnit.SECONDS.toNanos(60), 2));
                }
                ColdCache coldCache = null;
                long residentBefore;
                final CountDownLatch ready = new CountDownLatch(threads);
                final CountDownLatch go = new CountDownLatch(1);
                final AtomicLong deadline = new AtomicLong();
                // Warm-up: each thread runs the read loop for --warm-seconds before the run (and before a --cold
                // move), so that its stack, its clones' buffers (pageio: an aligned window per clone) and the compiled
                // code exist before the page cache is bounded. A page an MMapDirectory clone reads stays mapped, and a
                // mapped page cannot be dropped from the cache, so MMap warms up on inputs of a second MMapDirectory
                // (Lucene 9.12 maps a segment's files in one arena per directory, unmapped when its last input
                // closes), closed before the run.
                final Directory warmDirectory = impl.equals("mmap") ? new MMapDirectory(dir) : null;
                final IndexInput[] warmInputs = warmDirectory != null ? new IndexInput[inputs.length] : inputs;
                if (warmDirectory != null)
                {
                    for (int i = 0; i < inputs.length; i++)
                    {
                        warmInputs[i] = warmDirectory.openInput(names.get(i), IOContext.RANDOM);
                    }
                }
                final long warmEnd = System.nanoTime() + (long)(warmSeconds * 1e9);
                final List<Future<?>> tasks = new ArrayList<>();
                try
                {
                    for (int t = 0; t < threads; t++)
                    {
                        final Histogram h = histograms.get(t);
                        final long[] bytes = requested[t];
                        tasks.add(pool.submit(() ->
                        {
                            final IndexInput[] clones = new IndexInput[inputs.length];
                            final IndexInput[] warmClones = new IndexInput[inputs.length];
                            for (int i = 0; i < clones.length; i++)
                            {
                                clones[i] = inputs[i].clone();
                                warmClones[i] = warmInputs[i].clone();
                            }
                            final byte[] buffer = new byte[16 * 1024];
                            final ThreadLocalRandom random = ThreadLocalRandom.current();
                            for (final IndexInput clone : clones) // every clone once: its buffers exist now
                            {
                                clone.seek(random.nextLong(clone.length() - buffer.length));
                                clone.readBytes(buffer, 0, warmInputs == inputs ? buffer.length : 0);
                            }
                            do
                            {
                                readRandom(warmClones, ends, totalBytes, buffer, random, h); // the measured code
                            }
                            while (System.nanoTime() < warmEnd);
                            h.reset();
                            ready.countDown();
                            go.await();
                            final long end = deadline.get();
                            while (System.nanoTime() < end)
                            {
                                bytes[0] += readRandom(clones, ends, totalBytes, buffer, random, h);
                            }
                            return null;
                        }));
                    }
                    if (!ready.await(120, TimeUnit.SECONDS))
                    {
                        throw new IllegalStateException("reader threads not ready after 120 s: threads=" + threads);
                    }
                    if (warmDirectory != null)
                    {
                        for (final IndexInput input : warmInputs)
                        {
                            input.close();
                        }
                        warmDirectory.close();
                    }
                    if (cold)
                    {
                        coldCache = ColdCache.enter(System.getenv().getOrDefault("LUCENE_BENCH_CGROUP",
                            "lucene-bench-cold-" + ProcessHandle.current().pid()), roomBytes);
                        for (final Path path : paths)
                        {
                            PageCacheResidency.drop(path);
                        }
                    }
                    residentBefore = PageCacheResidency.residentBytes(paths);
                    final RingStats ring0 = ringStats(directory);
                    final long callers0 = callerReads(directory, false);
                    final long callerBytes0 = callerReads(directory, true);
                    final ProcessCounters process0 = ProcessCounters.now();
                    final long start = System.nanoTime();
                    deadline.set(start + (long)(seconds * 1e9));
                    go.countDown();
                    for (final Future<?> task : tasks)
                    {
                        task.get();
                    }
                    final double elapsed = (System.nanoTime() - start) / 1e9;
                    final ProcessCounters process = ProcessCounters.now().minus(process0);
                    pool.shutdown();
                    pool.awaitTermination(60, TimeUnit.SECONDS);
                    final Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 2);
                    histograms.forEach(all::add);
                    long requestedBytes = 0;
                    for (final long[] b : requested)
                    {
                        requestedBytes += b[0];
                    }
                    final long reads = Math.max(1, all.getTotalCount());
                    final StringBuilder detail = new StringBuilder();
                    if (cold)
                    {
                        detail.append(String.format(Locale.ROOT, " coldCacheRoomBytes=%d coldPeakCacheBytes=%d",
                            coldCache.roomBytes(), coldCache.peakFileBytes()));
                    }
                    if (directory instanceof PageioDirectory)
                    {
                        final PageioDirectory d = (PageioDirectory)directory;
                        final RingStats r = d.ring().stats().minus(ring0);
                        final long ringReads = r.completed(IoOp.READ);
                        final long callers = d.callerReads() - callers0;
                        detail.append(String.format(Locale.ROOT, " engine=%s callerThreadReads=%s callerReads=%d " +
                                "callerBytesPerRead=%.0f ringReads=%d ringBytesPerRead=%.0f ringSyscallsPerIo=%.2f " +
                                "ringAgentSleeps=%d ringWakeups=%d ringQueueFullWaits=%d queueDepth=%d",
                            d.engine(), d.config().callerThreadReads(), callers,
                            callers == 0 ? 0.0 : (double)(d.callerReadBytes() - callerBytes0) / callers, ringReads,
                            ringReads == 0 ? 0.0 : (double)r.bytesRead() / ringReads, r.systemCallsPerIo(),
                            r.agentSleeps(), r.wakeups(), r.queueFullWaits(), d.config().queueDepth()));
                    }
                    System.out.printf(Locale.ROOT, "lucene-reads impl=%s kind=%s threads=%d seconds=%.1f files=%s " +
                            "workingSetBytes=%d cold=%s residentBeforeBytes=%d reads=%d readsPerSec=%.0f " +
                            "MiBPerSec=%.1f p50Us=%.1f p99Us=%.1f p999Us=%.1f maxUs=%.1f storageBytesPerRead=%.0f " +
                            "requestedBytesPerRead=%.0f ctxSwitchesPerRead=%.2f cpuUsPerRead=%.1f " +
                            "majorFaultsPerRead=%.2f dropCaches=%s%s%n",
                        impl, kind, threads, elapsed, String.join(",", names), totalBytes, cold, residentBefore,
                        all.getTotalCount(), all.getTotalCount() / elapsed, requestedBytes / elapsed / (1 << 20),
                        all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3,
                        all.getValueAtPercentile(99.9) / 1e3, all.getMaxValue() / 1e3,
                        (double)process.storageReadBytes / reads, (double)requestedBytes / reads,
                        (double)(process.voluntarySwitches + process.involuntarySwitches) / reads,
                        process.cpuNs / 1e3 / reads, (double)process.majorFaults / reads,
                        opts.containsKey("drop-caches"), detail);
                }
                finally
                {
                    pool.shutdownNow();
                    if (coldCache != null)
                    {
                        coldCache.close();
                    }
                }
            }
            finally
            {
                for (final IndexInput input : inputs)
                {
                    if (input != null)
                    {
                        input.close();
                    }
                }
            }
        }
    }

    /**
     * One random 4-16 KiB read of a file drawn in proportion to its size ({@code ends}: cumulative sizes), its
     * latency recorded in {@code h} unless null.
     *
     * @return the bytes read.
     */
    private static int readRandom(final IndexInput[] clones, final long[] ends, final long totalBytes,
        final byte[] buffer, final ThreadLocalRandom random, final Histogram h) throws IOException
    {
        final int length = 4096 + random.nextInt(12 * 1024 + 1);
        int f = 0;
        final long pick = random.nextLong(totalBytes);
        while (ends[f] <= pick)
        {
            f++;
        }
        final IndexInput clone = clones[f];
        final long position = random.nextLong(clone.length() - length);
        final long t0 = System.nanoTime();
        clone.seek(position);
        clone.readBytes(buffer, 0, length);
        if (h != null)
        {
            h.recordValue(System.nanoTime() - t0);
        }
        return length;
    }

    private static RingStats ringStats(final Directory directory)
    {
        return directory instanceof PageioDirectory ? ((PageioDirectory)directory).ring().stats() : null;
    }

    private static long callerReads(final Directory directory, final boolean bytes)
    {
        if (!(directory instanceof PageioDirectory))
        {
            return 0;
        }
        final PageioDirectory d = (PageioDirectory)directory;
        return bytes ? d.callerReadBytes() : d.callerReads();
    }

    private static ExecutorService executor(final String kind, final int threads) throws Exception
    {
        switch (kind)
        {
            case "platform":
                final ThreadPoolExecutor pool = (ThreadPoolExecutor)Executors.newFixedThreadPool(threads);
                pool.prestartAllCoreThreads(); // every thread started (and its stack charged) before a --cold move
                return pool;
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
