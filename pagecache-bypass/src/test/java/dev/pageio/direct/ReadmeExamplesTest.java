package dev.pageio.direct;

import dev.pageio.core.Engines;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Timeout;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.ToolProvider;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's Java examples, compiled and run as written (issue 11 item 17): the Quick start block and the page store
 * block are cut out of README.md, put in a method each (the harness declares only {@code path}, {@code payload},
 * {@code myPage} and {@code MyPage}, which the README leaves to the reader), compiled with the JDK's compiler and run
 * on each engine. The README says {@code engine("auto")}: the engine is chosen by refusing the better ones for
 * this JVM ({@link Engines#REFUSE_PROPERTY}), never by a sysctl.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReadmeExamplesTest
{
    private static final Path README = Path.of("..", "README.md").toAbsolutePath().normalize();

    @AfterEach
    void clearRefusal()
    {
        System.clearProperty(Engines.REFUSE_PROPERTY);
    }

    @ParameterizedTest
    @CsvSource({"io_uring,''", "aio,io_uring", "threads,'io_uring,aio'"})
    void shouldCompileAndRunTheReadmesExamplesAsWritten(final String engine, final String refuse) throws Exception
    {
        System.setProperty(Engines.REFUSE_PROPERTY, refuse);
        assertEquals(engine, Engines.select("auto").engine().name(), "auto picks the engine under test");
        final String readme = Files.readString(README);
        final String quickStart = javaBlockAfter(readme, "## Quick start");
        final String pageStore = javaBlockAfter(readme, "## A page store, durably");
        final Path dir = TestFiles.ext4Dir("readme-" + engine);
        try
        {
            final Class<?> examples = compile(dir.resolve("src"), source(quickStart, pageStore));
            final Path quickFile = dir.resolve("quick-start.db");
            run(examples, "quickStart", quickFile);
            assertEquals(4096, Files.size(quickFile), "the Quick start wrote its page");
            // the pool logs a WARNING when it closes with buffers still lent: the example must give back each one
            final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
            final java.util.logging.Logger poolLog = java.util.logging.Logger.getLogger(AlignedBufferPool.class.getName());
            final java.util.logging.Handler capture = new java.util.logging.Handler()
            {
                @Override
                public void publish(final java.util.logging.LogRecord record)
                {
                    warnings.add(record.getMessage());
                }

                @Override
                public void flush()
                {
                }

                @Override
                public void close()
                {
                }
            };
            poolLog.addHandler(capture);
            try
            {
                run(examples, "pageStore", dir.resolve("store.db"));
            }
            finally
            {
                poolLog.removeHandler(capture);
            }
            assertEquals(List.of(), warnings, "the page store example releases every buffer it acquires");
        }
        finally
        {
            TestFiles.deleteTree(dir);
        }
    }

    /** @return the first ```java block after the heading. */
    static String javaBlockAfter(final String readme, final String heading)
    {
        final int at = readme.indexOf(heading);
        assertTrue(at >= 0, "README has no heading " + heading);
        final int start = readme.indexOf("```java\n", at);
        final int end = readme.indexOf("```\n", start + 8);
        assertTrue(start >= 0 && end > start, "no java block after " + heading);
        return readme.substring(start + 8, end);
    }

    private static String source(final String quickStart, final String pageStore)
    {
        return String.join("\n",
            "import dev.pageio.core.*;",
            "import dev.pageio.direct.*;",
            "import java.nio.ByteBuffer;",
            "import java.nio.file.*;",
            "import java.util.concurrent.TimeUnit;",
            "public class ReadmeExamples {",
            "  static class MyPage { void markClean() { } void markFailed(IoFailure f) { throw new AssertionError(f); } }",
            "  public static void quickStart(Path path) throws Exception {",
            "    MyPage myPage = new MyPage();",
            quickStart,
            "  }",
            "  public static void pageStore(Path path) throws Exception {",
            "    byte[] payload = new byte[16 * 1024];",
            pageStore,
            "  }",
            "}");
    }

    private static Class<?> compile(final Path src, final String source) throws Exception
    {
        Files.createDirectories(src);
        final Path file = src.resolve("ReadmeExamples.java");
        Files.writeString(file, source);
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK's compiler");
        final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (var files = javac.getStandardFileManager(diagnostics, null, null))
        {
            final List<String> options = List.of("-d", src.toString(), "-classpath", TestClassPath.expanded(), "-proc:none");
            final boolean ok = javac.getTask(null, files, diagnostics, options, null,
                files.getJavaFileObjects(file.toFile())).call();
            assertTrue(ok, "README's examples do not compile: " + diagnostics.getDiagnostics() + "\n" + source);
        }
        final URLClassLoader loader = new URLClassLoader(new URL[] {src.toUri().toURL()},
            ReadmeExamplesTest.class.getClassLoader());
        return loader.loadClass("ReadmeExamples");
    }

    private static void run(final Class<?> examples, final String method, final Path path) throws Exception
    {
        final Method m = examples.getMethod(method, Path.class);
        try
        {
            m.invoke(null, path);
        }
        catch (final InvocationTargetException e)
        {
            throw new AssertionError("README's " + method + " example failed", e.getCause());
        }
    }
}
