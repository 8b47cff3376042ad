package dev.pageio.lucene;

/** Lucene's {@code BaseDirectoryTestCase} on {@link PageioDirectory} over the io_uring engine. */
public class PageioDirectoryUringTest extends PageioDirectoryTestCase
{
    @Override
    protected String engine()
    {
        return "io_uring";
    }
}
