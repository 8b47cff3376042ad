package dev.pageio.lucene;

/** Lucene's {@code BaseDirectoryTestCase} on {@link PageioDirectory} over the threads engine. */
public class PageioDirectoryThreadsTest extends PageioDirectoryTestCase
{
    @Override
    protected String engine()
    {
        return "threads";
    }
}
