package dev.pageio.lucene;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSLockFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lucene's index round trip on {@link PageioDirectory}, per engine: IndexWriter adds generated documents,
 * commits and force-merges; DirectoryReader and IndexSearcher find exactly what was written; a writer closed
 * without committing leaves the last commit readable; CheckIndex finds the index clean.
 */
class IndexRoundTripTest
{
    static final long SEED = Long.getLong("tests.roundtrip.seed", 0x5EEDL);

    @TempDir
    Path tmp;

    /** A deterministic corpus: document i has id "i", a body of words drawn with the seed, and rare markers. */
    static final class Corpus
    {
        static final String[] WORDS = {"page", "cache", "direct", "ring", "barrier", "merge", "segment", "lucene",
            "kernel", "block", "aligned", "fsync", "engine", "query", "token", "index", "reader", "writer"};
        final Random random;
        int withKernel;

        Corpus(final long seed)
        {
            random = new Random(seed);
        }

        Document next(final int i)
        {
            final StringBuilder body = new StringBuilder();
            boolean kernel = false;
            final int n = 20 + random.nextInt(60);
            for (int w = 0; w < n; w++)
            {
                final String word = WORDS[random.nextInt(WORDS.length)];
                kernel |= word.equals("kernel");
                body.append(word).append(' ');
            }
            if (i % 1000 == 777)
            {
                body.append("needle").append(i);
            }
            withKernel += kernel ? 1 : 0;
            final Document doc = new Document();
            doc.add(new StringField("id", Integer.toString(i), Field.Store.YES));
            doc.add(new TextField("body", body.toString(), Field.Store.YES));
            return doc;
        }
    }

    static PageioDirectory open(final Path path, final String engine) throws IOException
    {
        return new PageioDirectory(path, FSLockFactory.getDefault(),
            PageioDirectoryConfig.builder().engine(engine).build());
    }

    static IndexWriterConfig writerConfig()
    {
        return new IndexWriterConfig(new StandardAnalyzer()).setMaxBufferedDocs(500).setCommitOnClose(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldFindWhatWasIndexedAfterCommitAndForceMergeAndKeepTheLastCommitWhenClosedWithoutCommit(
        final String engine) throws IOException
    {
        final String why = "engine=" + engine + " seed=" + SEED;
        final Corpus corpus = new Corpus(SEED);
        final int committed = 2000;
        try (PageioDirectory dir = open(tmp, engine))
        {
            assertEquals(engine, dir.engine(), why);
            try (IndexWriter writer = new IndexWriter(dir, writerConfig()))
            {
                for (int i = 0; i < committed; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.commit();
                writer.forceMerge(1);
                writer.commit();
                // Crash between commits: more documents, flushed to new segments, never committed.
                for (int i = committed; i < committed + 800; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.flush();
            } // commitOnClose=false: close discards the uncommitted documents
            assertTrue(dir.directOutputs() > 0, why);
            assertSearchable(dir, committed, corpus, why);
        }
        try (PageioDirectory dir = open(tmp, engine))
        {
            assertSearchable(dir, committed, corpus, why);
            final CheckIndex.Status status;
            try (CheckIndex check = new CheckIndex(dir))
            {
                status = check.checkIndex();
            }
            assertTrue(status.clean, why);
            assertEquals(1, status.numSegments, why);
        }
    }

    private static void assertSearchable(final Directory dir, final int committed, final Corpus corpus,
        final String why) throws IOException
    {
        try (DirectoryReader reader = DirectoryReader.open(dir))
        {
            assertEquals(committed, reader.numDocs(), why);
            assertEquals(1, reader.leaves().size(), "force-merged to one segment; " + why);
            final IndexSearcher searcher = new IndexSearcher(reader);
            final TopDocs needle = searcher.search(new TermQuery(new Term("body", "needle1777")), 10);
            assertEquals(1, needle.totalHits.value, why);
            assertEquals("1777", searcher.storedFields().document(needle.scoreDocs[0].doc).get("id"), why);
            assertEquals(0, searcher.count(new TermQuery(new Term("body", "needle2777"))), "uncommitted; " + why);
            assertEquals(1, searcher.count(new TermQuery(new Term("id", "1999"))), why);
            assertEquals(0, searcher.count(new TermQuery(new Term("id", "2000"))), "uncommitted; " + why);
            // The corpus drew more documents after the commit; count "kernel" only among the committed ones.
            final Corpus replay = new Corpus(SEED);
            for (int i = 0; i < committed; i++)
            {
                replay.next(i);
            }
            assertEquals(replay.withKernel, searcher.count(new TermQuery(new Term("body", "kernel"))), why);
        }
    }
}
