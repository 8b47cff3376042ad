package dev.pageio.bench;

import java.util.Locale;

/**
 * Sizes and durations as fio writes them: {@code 4k}, {@code 16K}, {@code 1m}, {@code 1g}, {@code 4KiB},
 * {@code 512} (bytes), with binary multiples (k = 1024, as fio's default {@code kb_base=1024});
 * {@code 10}, {@code 10s}, {@code 500ms}, {@code 2m} for times.
 */
final class Sizes
{
    private Sizes()
    {
    }

    /**
     * @param flag  the flag, for the message.
     * @param text  e.g. {@code 4k}.
     * @return bytes.
     * @throws UsageException when the text is not a positive size.
     */
    static long parseBytes(final String flag, final String text) throws UsageException
    {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end)))
        {
            end++;
        }
        if (end == 0)
        {
            throw new UsageException("bad size: " + flag + "=" + text + " (expected e.g. 512, 4k, 16k, 1m, 1g)");
        }
        final String suffix = s.substring(end);
        final int shift;
        switch (suffix)
        {
            case "":
            case "b":
                shift = 0;
                break;
            case "k":
            case "kb":
            case "kib":
                shift = 10;
                break;
            case "m":
            case "mb":
            case "mib":
                shift = 20;
                break;
            case "g":
            case "gb":
            case "gib":
                shift = 30;
                break;
            case "t":
            case "tb":
            case "tib":
                shift = 40;
                break;
            default:
                throw new UsageException("bad size suffix: " + flag + "=" + text + " (expected k, m, g or t)");
        }
        final long value;
        try
        {
            value = Long.parseLong(s.substring(0, end));
        }
        catch (final NumberFormatException e)
        {
            throw new UsageException("size too large: " + flag + "=" + text);
        }
        if (value <= 0)
        {
            throw new UsageException("size must be positive: " + flag + "=" + text);
        }
        if (Long.numberOfLeadingZeros(value) <= shift)
        {
            throw new UsageException("size too large: " + flag + "=" + text);
        }
        return value << shift;
    }

    /**
     * @param flag the flag, for the message.
     * @param text e.g. {@code 10}, {@code 10s}, {@code 500ms}, {@code 2m}.
     * @return nanoseconds, &ge; 0.
     * @throws UsageException when the text is not a duration.
     */
    static long parseDurationNs(final String flag, final String text) throws UsageException
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
            throw new UsageException("bad duration: " + flag + "=" + text + " (expected seconds, e.g. 10, 10s, 500ms, 2m)");
        }
        if (!(value >= 0) || value * unitNs > 86_400e9)
        {
            throw new UsageException("duration out of range: " + flag + "=" + text + " range=0..24h");
        }
        return (long)(value * unitNs);
    }

    /** @return {@code 4k}, {@code 1m}… for a byte count, the way fio prints block sizes. */
    static String format(final long bytes)
    {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0)
        {
            return (bytes >> 30) + "g";
        }
        if (bytes >= 1L << 20 && bytes % (1L << 20) == 0)
        {
            return (bytes >> 20) + "m";
        }
        if (bytes >= 1L << 10 && bytes % (1L << 10) == 0)
        {
            return (bytes >> 10) + "k";
        }
        return Long.toString(bytes);
    }
}
