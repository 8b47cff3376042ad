package dev.pageio.bench;

import picocli.CommandLine.TypeConversionException;

/**
 * A flag's value a converter or a check rejected. The message is a template with two {@code %s}, the flag and the
 * value as typed ({@code "bad size: %s=%s (expected e.g. 512, 4k, 16k, 1m, 1g)"}), filled in by
 * {@link BenchOptions#parse}, which knows both: a picocli converter sees only the value.
 */
final class BadValue extends TypeConversionException
{
    private static final long serialVersionUID = 1L;

    /** @param template the one-line reason, with {@code %s} for the flag, then {@code %s} for the value. */
    BadValue(final String template)
    {
        super(template);
    }

    /**
     * @param flag  e.g. {@code --bs}.
     * @param value the value as typed.
     * @return the line the user reads, e.g. {@code bad size: --bs=4x (expected e.g. 512, 4k, 16k, 1m, 1g)}.
     */
    String describe(final String flag, final String value)
    {
        return String.format(getMessage(), flag, value);
    }
}
