package dev.pageio.core.spi;

import java.nio.file.OpenOption;

/**
 * The JDK's {@code com.sun.nio.file.ExtendedOpenOption.DIRECT} (O_DIRECT), found at run time. javac on JDK 21 and
 * later warns on every compile-time use of that class ("internal proprietary API"), a warning no flag or annotation
 * turns off, so pageio names it here by reflection: the object is the JDK's own, so a caller passing
 * {@code ExtendedOpenOption.DIRECT} and pageio's {@code options.contains(DirectOpenOption.DIRECT)} meet as before.
 */
public final class DirectOpenOption
{
    /**
     * {@code ExtendedOpenOption.DIRECT}; on a JDK without it (no {@code jdk.unsupported} module), an option of its own
     * that no caller can pass, so nothing is opened O_DIRECT by that name.
     */
    public static final OpenOption DIRECT = find();

    private DirectOpenOption()
    {
    }

    private static OpenOption find()
    {
        try
        {
            for (final Object constant : Class.forName("com.sun.nio.file.ExtendedOpenOption").getEnumConstants())
            {
                if (constant instanceof OpenOption && "DIRECT".equals(constant.toString()))
                {
                    return (OpenOption)constant;
                }
            }
        }
        catch (final ClassNotFoundException | LinkageError | SecurityException e)
        {
            // no jdk.unsupported: fall through
        }
        return new OpenOption()
        {
            @Override
            public String toString()
            {
                return "DIRECT (unavailable: no com.sun.nio.file.ExtendedOpenOption in this JDK)";
            }
        };
    }
}
