package dev.pageio.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's promise about the engine-choice line: logged once at INFO on the System.Logger
 * {@code dev.pageio.core.Engines}, printed to stderr by default, and silenced by the application's logging
 * configuration alone. Each case is a fresh JVM, since the line is logged once per process.
 */
class EngineLogLevelTest
{
    private static final String LINE = "pageio engine selection: engine=";

    private static String[] runProbe(final Path dir, final String... jvmOptions) throws Exception
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EngineLogProbe.class.getName());
        final Path out = Files.createTempFile(dir, "out", ".txt");
        final Path err = Files.createTempFile(dir, "err", ".txt");
        final Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try
        {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe did not finish in 60 s");
        }
        finally
        {
            process.destroyForcibly();
        }
        final String stdout = Files.readString(out);
        final String stderr = Files.readString(err);
        assertEquals(0, process.exitValue(), stdout + stderr);
        assertTrue(stdout.startsWith("chosen engine="), stdout);
        return new String[] {stdout, stderr};
    }

    @Test
    @Timeout(120)
    void shouldLogTheEngineChoiceOnceAtInfoOnStderrByDefault(@TempDir final Path dir) throws Exception
    {
        final String[] outErr = runProbe(dir);
        assertFalse(outErr[0].contains(LINE), "nothing on stdout: " + outErr[0]);
        assertTrue(outErr[1].contains("INFO: " + LINE), outErr[1]);
        assertEquals(outErr[1].indexOf(LINE), outErr[1].lastIndexOf(LINE), "logged once: " + outErr[1]);
    }

    @Test
    @Timeout(120)
    void shouldBeSilencedByRaisingTheLoggerLevelInTheApplicationsLoggingConfig(@TempDir final Path dir) throws Exception
    {
        final Path config = dir.resolve("logging.properties");
        Files.writeString(config, String.join("\n",
            "handlers = java.util.logging.ConsoleHandler",
            ".level = INFO",
            "dev.pageio.core.Engines.level = WARNING", ""));
        final String[] outErr = runProbe(dir, "-Djava.util.logging.config.file=" + config);
        assertFalse(outErr[1].contains(LINE), outErr[1]);
    }
}
