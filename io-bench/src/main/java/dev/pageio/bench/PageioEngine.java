package dev.pageio.bench;

import java.io.IOException;

/**
 * A pageio engine (io_uring, kernel AIO, threads, or the automatic choice), selected by name through the
 * ring's configuration. Waiting for the core ring ({@code IoRing}/{@code IoFile}) to land on this branch.
 */
final class PageioEngine implements BenchEngine
{
    private final String cliName;
    private final String engineName;

    PageioEngine(final String cliName, final String engineName)
    {
        this.cliName = cliName;
        this.engineName = engineName;
    }

    @Override
    public String name()
    {
        return cliName;
    }

    @Override
    public String unavailableCause(final BenchOptions options)
    {
        return "the pageio ring (IoRing/IoFile) is not in this build yet: engine=" + engineName;
    }

    @Override
    public EngineRun start(final BenchOptions options, final JobStats[] stats) throws IOException
    {
        throw new IllegalStateException(unavailableCause(options));
    }
}
