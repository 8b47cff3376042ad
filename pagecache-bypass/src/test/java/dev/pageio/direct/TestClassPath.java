package dev.pageio.direct;

import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** The test JVM's class path, for a compiler or a child JVM. */
final class TestClassPath
{
    private TestClassPath()
    {
    }

    /** The test's class path, expanded from surefire's manifest-only jar where it uses one. */
    static String expanded() throws Exception
    {
        final Set<String> entries = new LinkedHashSet<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            entries.add(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(Path.of(entry)))
            {
                try (JarFile jar = new JarFile(entry))
                {
                    final Manifest manifest = jar.getManifest();
                    final String cp = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                    if (cp != null)
                    {
                        for (final String url : cp.trim().split("\\s+"))
                        {
                            entries.add(Path.of(new URL(new URL(Path.of(entry).toUri().toString()), url).toURI()).toString());
                        }
                    }
                }
            }
        }
        return String.join(File.pathSeparator, new ArrayList<>(entries));
    }
}
