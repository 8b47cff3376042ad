package dev.pageio.lucene;

/**
 * Lucene's {@code BaseDirectoryTestCase} on {@link PageioDirectory} over io_uring with no file read whole: every
 * read goes through the input's aligned windows and read-ahead, whatever the file's size.
 */
public class PageioDirectoryWindowsTest extends PageioDirectoryTestCase
{
    @Override
    protected String engine()
    {
        return "io_uring";
    }

    @Override
    protected int wholeFileReadMaxBytes()
    {
        return 0;
    }
}
