package dev.pageio.bench;

import picocli.CommandLine.ITypeConverter;

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

    /**
     * @param text a fio name.
     * @return the pattern.
     * @throws BadValue when the name is none of the five.
     */
    static Rw parse(final String text)
    {
        for (final Rw rw : values())
        {
            if (rw.fioName().equals(text))
            {
                return rw;
            }
        }
        throw new BadValue("bad %s=%s (expected randread, randwrite, read, write or randrw)");
    }

    /** {@code --rw}'s converter. */
    static final class Converter implements ITypeConverter<Rw>
    {
        @Override
        public Rw convert(final String text)
        {
            return parse(text);
        }
    }
}
