package dev.pageio.bench;

import picocli.CommandLine.ITypeConverter;

import java.util.Locale;

/**
 * Sizes as fio writes them: {@code 4k}, {@code 16K}, {@code 1m}, {@code 1g}, {@code 4KiB}, {@code 512} (bytes), with
 * binary multiples (k = 1024, as fio's default {@code kb_base=1024}). Used by {@code --bs} and {@code --size}.
 */
final class ByteSizeConverter implements ITypeConverter<Long>
{
    /**
     * @param text e.g. {@code 4k}.
     * @return bytes, &gt; 0.
     * @throws BadValue when the text is not a positive size that fits a {@code long}.
     */
    @Override
    public Long convert(final String text)
    {
        return parse(text);
    }

    static long parse(final String text)
    {
        final String s = text.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < s.length() && Character.isDigit(s.charAt(end)))
        {
            end++;
        }
        if (end == 0)
        {
            throw new BadValue("bad size: %s=%s (expected e.g. 512, 4k, 16k, 1m, 1g)");
        }
        final int shift = shift(s.substring(end));
        final long value;
        try
        {
            value = Long.parseLong(s.substring(0, end));
        }
        catch (final NumberFormatException e)
        {
            throw new BadValue("size too large: %s=%s");
        }
        if (value <= 0)
        {
            throw new BadValue("size must be positive: %s=%s");
        }
        if (Long.numberOfLeadingZeros(value) <= shift)
        {
            throw new BadValue("size too large: %s=%s");
        }
        return value << shift;
    }

    private static int shift(final String suffix)
    {
        switch (suffix)
        {
            case "":
            case "b":
                return 0;
            case "k":
            case "kb":
            case "kib":
                return 10;
            case "m":
            case "mb":
            case "mib":
                return 20;
            case "g":
            case "gb":
            case "gib":
                return 30;
            case "t":
            case "tb":
            case "tib":
                return 40;
            default:
                throw new BadValue("bad size suffix: %s=%s (expected k, m, g or t)");
        }
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
