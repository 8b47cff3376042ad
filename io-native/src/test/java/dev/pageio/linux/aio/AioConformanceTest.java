package dev.pageio.linux.aio;

import dev.pageio.core.EngineConformanceTest;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoRing;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;

import java.io.IOException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/** The conformance suite for the aio engine on O_DIRECT files, adopted by the ring. Subclasses name the directory:
 * {@link AioExt4ConformanceTest}, {@link AioTmpfsConformanceTest}. */
abstract class AioConformanceTest extends EngineConformanceTest
{
    @Override
    protected String engine()
    {
        return "aio";
    }

    @Override
    protected IoFile openFile(final IoRing ring, final Path path) throws IOException
    {
        return adoptDirect(ring, path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
            StandardOpenOption.CREATE));
    }

    @Override
    protected IoFile openWriteOnly(final IoRing ring, final Path path) throws IOException
    {
        return adoptDirect(ring, path, Set.of(StandardOpenOption.WRITE));
    }

    private static IoFile adoptDirect(final IoRing ring, final Path path, final Set<? extends OpenOption> options)
        throws IOException
    {
        final FdFileAccess access = FdFileAccess.open(path, options, Arch.O_DIRECT);
        try
        {
            AioEngine.requireDirect(access);
            return ring.adopt(access);
        }
        catch (final RuntimeException e)
        {
            access.close();
            throw e;
        }
    }
}
