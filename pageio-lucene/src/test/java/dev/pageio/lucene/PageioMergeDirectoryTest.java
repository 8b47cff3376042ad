package dev.pageio.lucene;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.MMapDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The production mode: merges through pageio O_DIRECT, searches on MMapDirectory; small work stays on the
 * delegate.
 */
class PageioMergeDirectoryTest
{
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldWriteAndReadMergesThroughPageioAndSearchThroughTheDelegate(final String engine) throws IOException
    {
        try (PageioMergeDirectory dir = new PageioMergeDirectory(new MMapDirectory(tmp),
            PageioDirectoryConfig.builder().engine(engine).build(), 0))
        {
            assertEquals(engine, dir.direct().engine());
            try (IndexWriter writer = new IndexWriter(dir, IndexRoundTripTest.writerConfig()))
            {
                final IndexRoundTripTest.Corpus corpus = new IndexRoundTripTest.Corpus(7);
                for (int i = 0; i < 2000; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.commit();
                final long beforeMerge = dir.direct().directOutputs();
                writer.forceMerge(1);
                writer.commit();
                assertTrue(dir.direct().directOutputs() > beforeMerge, "the merge wrote through pageio");
                assertTrue(dir.direct().directInputs() > 0, "the merge read its inputs through pageio");
            }
            final long inputsBeforeSearch = dir.direct().directInputs();
            try (DirectoryReader reader = DirectoryReader.open(dir))
            {
                assertEquals(2000, reader.numDocs());
                assertEquals(1, new IndexSearcher(reader).count(new TermQuery(new Term("body", "needle1777"))));
            }
            assertEquals(inputsBeforeSearch, dir.direct().directInputs(), "searches stay on the delegate");
            assertNull(dir.refusedReason());
        }
    }

    @Test
    @Timeout(60)
    void shouldKeepSmallMergesOnTheDelegate() throws IOException
    {
        try (PageioMergeDirectory dir = PageioDirectory.forMerges(new MMapDirectory(tmp)))
        {
            try (IndexWriter writer = new IndexWriter(dir, IndexRoundTripTest.writerConfig()))
            {
                final IndexRoundTripTest.Corpus corpus = new IndexRoundTripTest.Corpus(7);
                for (int i = 0; i < 1000; i++)
                {
                    writer.addDocument(corpus.next(i));
                }
                writer.commit();
                writer.forceMerge(1);
                writer.commit();
            }
            assertEquals(0, dir.direct().directOutputs(), "below " + dir.minBytesDirect() + " bytes");
            try (DirectoryReader reader = DirectoryReader.open(dir))
            {
                assertEquals(1000, reader.numDocs());
            }
        }
    }
}
