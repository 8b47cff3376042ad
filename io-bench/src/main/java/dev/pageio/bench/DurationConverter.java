package dev.pageio.bench;

import picocli.CommandLine.ITypeConverter;

import java.util.Locale;

/**
 * Durations in nanoseconds, seconds when no unit is given: {@code 10}, {@code 1.5}, {@code 10s}, {@code 500ms},
 * {@code 20us}, {@code 2m}; 0 to 24 h. Used by {@code --runtime}, {@code --warmup} and {@code --sleep-after}.
 */
final class DurationConverter implements ITypeConverter<Long>
{
    private static final double MAX_NS = 86_400e9;

    /**
     * @param text e.g. {@code 500ms}.
     * @return nanoseconds, &ge; 0.
     * @throws BadValue when the text is not a duration from 0 to 24 h.
     */
    @Override
    public Long convert(final String text)
    {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        final long unitNs;
        final String number;
        if (s.endsWith("ms"))
        {
            unitNs = 1_000_000L;
            number = s.substring(0, s.length() - 2);
        }
        else if (s.endsWith("us"))
        {
            unitNs = 1_000L;
            number = s.substring(0, s.length() - 2);
        }
        else if (s.endsWith("s"))
        {
            unitNs = 1_000_000_000L;
            number = s.substring(0, s.length() - 1);
        }
        else if (s.endsWith("m"))
        {
            unitNs = 60_000_000_000L;
            number = s.substring(0, s.length() - 1);
        }
        else
        {
            unitNs = 1_000_000_000L;
            number = s;
        }
        final double value;
        try
        {
            value = Double.parseDouble(number);
        }
        catch (final NumberFormatException e)
        {
            throw new BadValue("bad duration: %s=%s (expected seconds, e.g. 10, 10s, 500ms, 2m)");
        }
        if (!(value >= 0) || value * unitNs > MAX_NS)
        {
            throw new BadValue("duration out of range: %s=%s range=0..24h");
        }
        return (long)(value * unitNs);
    }
}
