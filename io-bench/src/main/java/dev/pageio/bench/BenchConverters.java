package dev.pageio.bench;

import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Stack;

/**
 * The converters of {@link BenchOptions}' flag values: each turns one flag's text into its value or throws a
 * {@link BadValue} whose pattern names the flag, the value and the rule.
 */
final class BenchConverters
{
    private BenchConverters()
    {
    }

    /** A whole number; the flag's range is checked once parsed. */
    static final class Whole implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String text)
        {
            try
            {
                return Integer.parseInt(text.trim());
            }
            catch (final NumberFormatException e)
            {
                throw new BadValue("not a number: %s=%s");
            }
        }
    }

    /** A list of whole numbers, {@code 1,8,32}: its own type, so that picocli treats the flag as single-valued. */
    static final class IntList
    {
        final int[] values;

        IntList(final int... values)
        {
            this.values = values.clone();
        }

        @Override
        public String toString()
        {
            final StringBuilder b = new StringBuilder();
            for (final int v : values)
            {
                b.append(b.length() == 0 ? "" : ",").append(v);
            }
            return b.toString();
        }
    }

    /** {@code --committers}: whole numbers separated by commas. */
    static final class WholeList implements ITypeConverter<IntList>
    {
        @Override
        public IntList convert(final String text)
        {
            final String[] parts = text.split(",", -1);
            final int[] values = new int[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                try
                {
                    values[i] = Integer.parseInt(parts[i].trim());
                }
                catch (final NumberFormatException e)
                {
                    throw new BadValue("not a list of numbers: %s=%s (e.g. 1,8,32,128)");
                }
            }
            return new IntList(values);
        }
    }

    /** {@code --record-sizes}: sizes as {@code --bs} takes them, separated by commas, each 1 B to 1 MiB. */
    static final class SizeList implements ITypeConverter<IntList>
    {
        @Override
        public IntList convert(final String text)
        {
            final String[] parts = text.split(",", -1);
            final int[] values = new int[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                final long bytes;
                try
                {
                    bytes = ByteSizeConverter.parse(parts[i]);
                }
                catch (final BadValue e)
                {
                    throw new BadValue("not a list of sizes: %s=%s (e.g. 100,4k)");
                }
                if (bytes > 1 << 20)
                {
                    throw new BadValue("record size too large: %s=%s max=1m each");
                }
                values[i] = (int)bytes;
            }
            return new IntList(values);
        }
    }

    /** {@code --log-impl}: names from {@link BenchOptions#LOG_IMPLS}, separated by commas. */
    static final class LogImplList implements ITypeConverter<NameList>
    {
        @Override
        public NameList convert(final String text)
        {
            final List<String> impls = new ArrayList<>();
            for (final String part : text.split(",", -1))
            {
                final String impl = part.trim();
                if (!BenchOptions.LOG_IMPLS.contains(impl))
                {
                    throw new BadValue("bad %s=%s (expected a list of pageio, force, group)");
                }
                impls.add(impl);
            }
            return new NameList(impls);
        }
    }

    /** {@code --log-sync}: names from {@link BenchOptions#LOG_SYNC_MODES}, separated by commas. */
    static final class LogSyncList implements ITypeConverter<NameList>
    {
        @Override
        public NameList convert(final String text)
        {
            final List<String> modes = new ArrayList<>();
            for (final String part : text.split(",", -1))
            {
                final String mode = part.trim();
                if (!BenchOptions.LOG_SYNC_MODES.contains(mode))
                {
                    throw new BadValue("bad %s=%s (expected a list of barrier, dsync)");
                }
                modes.add(mode);
            }
            return new NameList(modes);
        }
    }

    /** A list of names, {@code pageio,force}: its own type, so that picocli treats the flag as single-valued. */
    static final class NameList
    {
        final List<String> values;

        NameList(final List<String> values)
        {
            this.values = List.copyOf(values);
        }

        @Override
        public String toString()
        {
            return String.join(",", values);
        }
    }

    /** {@code --bs}: a size up to 64 MiB. */
    static final class BlockSize implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String text)
        {
            final long bytes = ByteSizeConverter.parse(text);
            if (bytes > BenchOptions.MAX_BLOCK_SIZE)
            {
                throw new BadValue("block size too large: %s=%s max=64m");
            }
            return (int)bytes;
        }
    }

    /** {@code --runtime}: a duration of at least 100 ms. */
    static final class RuntimeNs implements ITypeConverter<Long>
    {
        @Override
        public Long convert(final String text)
        {
            final long ns = new DurationConverter().convert(text);
            if (ns < BenchOptions.MIN_RUNTIME_NS)
            {
                throw new BadValue("runtime too short: %s=%s min=100ms");
            }
            return ns;
        }
    }

    /** {@code --submit-batch}: 1 to 32768, the most SQEs io_uring takes in one submit. */
    static final class SubmitBatch implements ITypeConverter<Integer>
    {
        @Override
        public Integer convert(final String text)
        {
            final int n;
            try
            {
                n = Integer.parseInt(text);
            }
            catch (final NumberFormatException e)
            {
                throw new BadValue("bad %s=%s (a whole number, 1 to 32768)");
            }
            if (n < 1 || n > 32768)
            {
                throw new BadValue("bad %s=%s (1 to 32768)");
            }
            return n;
        }
    }

    /** {@code --engine}: one of {@link BenchOptions#ENGINES}. */
    static final class EngineName implements ITypeConverter<String>
    {
        @Override
        public String convert(final String text)
        {
            if (!BenchOptions.ENGINES.contains(text))
            {
                throw new BadValue("bad %s=%s (expected one of " + String.join(", ", BenchOptions.ENGINES) + ")");
            }
            return text;
        }
    }

    /** {@code --poll}: one of {@link BenchOptions#POLL_MODES}. */
    static final class PollMode implements ITypeConverter<String>
    {
        @Override
        public String convert(final String text)
        {
            if (!BenchOptions.POLL_MODES.contains(text))
            {
                throw new BadValue("bad %s=%s (expected backoff, spin or sleep)");
            }
            return text;
        }
    }

    /** {@code --file}: any path but the empty one. */
    static final class NonEmptyPath implements ITypeConverter<Path>
    {
        @Override
        public Path convert(final String text)
        {
            if (text.isEmpty())
            {
                throw new BadValue("empty %s");
            }
            return Path.of(text);
        }
    }

    /** {@code --jmh}: takes every argument after it, options included, for JMH's own command line. */
    static final class Rest implements IParameterConsumer
    {
        @Override
        public void consumeParameters(final Stack<String> args, final ArgSpec argSpec, final CommandSpec commandSpec)
        {
            final List<String> rest = new ArrayList<>();
            while (!args.isEmpty())
            {
                rest.add(args.pop());
            }
            argSpec.setValue(rest);
        }
    }
}
