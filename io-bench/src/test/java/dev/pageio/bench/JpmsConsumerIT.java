package dev.pageio.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JPMS application ({@code src/test/resources/jpms-consumer}, {@code module dev.pageio.example}) compiled with
 * {@code javax.tools} and run with {@code java -m} against the packaged jars on the module path, where they are
 * automatic modules named by their manifests. Run by failsafe after {@code package} ({@code mvn verify}, as
 * {@code ./run-tests} does): the module path is the jars' paths, passed in {@code pageio.jpms.modulePath}. The one
 * flag the application needs, {@code --add-modules org.jctools.core-jdk11}, is the one the README tells users to pass.
 *
 * <p>A {@code -Dtest=...} pattern makes surefire pick up this class too, in the {@code test} phase, before any jar
 * exists; there it is reported disabled (no module path property), and failsafe runs it after {@code package}.
 */
@EnabledIfSystemProperty(named = "pageio.jpms.modulePath", matches = ".+",
    disabledReason = "needs the packaged jars: run by failsafe in mvn verify")
class JpmsConsumerIT
{
    private static final Set<String> PAGEIO_MODULES = Set.of("dev.pageio.core", "dev.pageio.linux", "dev.pageio.direct");

    private static List<Path> modulePath()
    {
        final String property = System.getProperty("pageio.jpms.modulePath");
        assertTrue(property != null && !property.isEmpty(), "pageio.jpms.modulePath not set: run with mvn verify");
        final List<Path> jars = Stream.of(property.split(File.pathSeparator)).map(Path::of).collect(Collectors.toList());
        for (final Path jar : jars)
        {
            assertTrue(Files.isRegularFile(jar) && jar.toString().endsWith(".jar"),
                "module path entry is not a packaged jar: " + jar + " (run with mvn verify, after package)");
        }
        return jars;
    }

    private static Path consumerSources() throws URISyntaxException
    {
        return Path.of(JpmsConsumerIT.class.getResource("/jpms-consumer/module-info.java").toURI()).getParent();
    }

    @Test
    void shouldNameEveryLibraryJarAsAnAutomaticModule()
    {
        final Set<String> names = new HashSet<>();
        for (final ModuleReference ref : ModuleFinder.of(modulePath().toArray(new Path[0])).findAll())
        {
            names.add(ref.descriptor().name());
            if (PAGEIO_MODULES.contains(ref.descriptor().name()))
            {
                assertTrue(ref.descriptor().isAutomatic(), ref.descriptor().toString());
            }
        }
        assertTrue(names.containsAll(PAGEIO_MODULES), "module names found: " + names);
    }

    @Test
    @Timeout(120)
    void shouldCompileAndRunAModuleThatRequiresThePageioJars(@TempDir final Path dir) throws Exception
    {
        final List<Path> jars = modulePath();
        final String modulePath = jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
        final List<Path> sources;
        try (Stream<Path> walk = Files.walk(consumerSources()))
        {
            sources = walk.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
        }
        final Path classes = dir.resolve("classes");
        Files.createDirectories(classes);

        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        final boolean compiled;
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8))
        {
            final List<String> options = List.of("--release", "17", "--module-path", modulePath, "-d", classes.toString());
            compiled = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
        }
        final List<String> errors = new ArrayList<>();
        for (final Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics())
        {
            if (d.getKind() == Diagnostic.Kind.ERROR)
            {
                errors.add(d.toString());
            }
        }
        assertTrue(compiled && errors.isEmpty(), "javac failed: " + errors);
        assertTrue(Files.isRegularFile(classes.resolve("module-info.class")));

        final String threads = runConsumer(modulePath, classes, dir, "threads");
        assertTrue(threads.contains("pageio-jpms-consumer ok engine=threads module=dev.pageio.core consumer=dev.pageio.example"),
            threads);
        // the kernel engines too: JNA binds io-native's classes inside the automatic module dev.pageio.linux
        final String auto = runConsumer(modulePath, classes, dir, "auto");
        assertTrue(auto.contains("pageio-jpms-consumer ok engine=io_uring ") || auto.contains("pageio-jpms-consumer ok engine=aio "),
            auto);
    }

    private static String runConsumer(final String modulePath, final Path classes, final Path dir, final String engine)
        throws Exception
    {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Path data = dir.resolve("page-" + engine + ".dat");
        final Path log = dir.resolve("consumer-" + engine + ".log");
        final Process process = new ProcessBuilder(java.toString(),
            "--module-path", modulePath + File.pathSeparator + classes,
            // JCTools' VarHandle queues are an explicit module an automatic module cannot pull in, and its name,
            // org.jctools.core-jdk11, is no Java identifier: no module-info can require it. README says so.
            "--add-modules", "org.jctools.core-jdk11",
            "-m", "dev.pageio.example/dev.pageio.example.Consumer", data.toString(), engine)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        try
        {
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "consumer did not finish in 90 s: engine=" + engine);
        }
        finally
        {
            process.destroyForcibly();
        }
        final String output = Files.readString(log);
        assertEquals(0, process.exitValue(), output);
        return output;
    }
}
