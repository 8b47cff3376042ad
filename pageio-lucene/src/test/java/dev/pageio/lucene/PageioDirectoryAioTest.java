package dev.pageio.lucene;

/** Lucene's {@code BaseDirectoryTestCase} on {@link PageioDirectory} over the aio engine. */
public class PageioDirectoryAioTest extends PageioDirectoryTestCase
{
    @Override
    protected String engine()
    {
        return "aio";
    }
}
