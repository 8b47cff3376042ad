package dev.pageio.bench;

import java.util.Locale;

/** The access pattern, named as fio's {@code --rw}. */
enum Rw
{
    RANDREAD(true, false, true),
    RANDWRITE(false, true, true),
    READ(true, false, false),
    WRITE(false, true, false),
    RANDRW(true, true, true);

    final boolean reads;
    final boolean writes;
    final boolean random;

    Rw(final boolean reads, final boolean writes, final boolean random)
    {
        this.reads = reads;
        this.writes = writes;
        this.random = random;
    }

    /** @return the fio name, e.g. {@code randread}. */
    String fioName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    static Rw parse(final String text) throws UsageException
    {
        for (final Rw rw : values())
        {
            if (rw.fioName().equals(text))
            {
                return rw;
            }
        }
        throw new UsageException("bad --rw=" + text + " (expected randread, randwrite, read, write or randrw)");
    }
}
