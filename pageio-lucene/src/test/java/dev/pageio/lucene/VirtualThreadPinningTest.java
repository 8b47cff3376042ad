package dev.pageio.lucene;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.apache.lucene.store.FSLockFactory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexInput;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Reads from virtual threads park the virtual thread and never pin its carrier: 200 virtual threads read random
 * 4-16 KiB ranges through clones of one input while JFR records {@code jdk.VirtualThreadPinned} (threshold 0,
 * with stack traces); no such event may have a pageio frame. Virtual threads need JDK 21+: on JDK 17 the test
 * is reported as not applicable (an assumption naming the JDK). A control pin (a park inside a class
 * initializer) must be recorded, so the check is known to see pins. The module compiles for 17, so the virtual-thread
 * executor is reached by reflection.
 */
class VirtualThreadPinningTest
{
    private static final int THREADS = 200;
    private static final int READS_PER_THREAD = 15;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "aio", "threads"})
    @Timeout(120)
    void shouldParkVirtualThreadsWaitingForReadsWithoutPinningTheirCarriers(final String engine) throws Exception
    {
        assumeTrue(Runtime.version().feature() >= 21,
            "not applicable: virtual threads need JDK 21+; this JVM is JDK " + Runtime.version());
        final byte[] content = new byte[4 << 20];
        new Random(42).nextBytes(content);
        try (PageioDirectory dir = new PageioDirectory(tmp.resolve("index"), FSLockFactory.getDefault(),
            PageioDirectoryConfig.builder().engine(engine).build()))
        {
            try (IndexOutput out = dir.createOutput("data", IOContext.DEFAULT))
            {
                out.writeBytes(content, content.length);
            }
            final Path jfr = tmp.resolve("pinning-" + engine + ".jfr");
            try (IndexInput input = dir.openInput("data", IOContext.RANDOM);
                Recording recording = new Recording())
            {
                recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
                recording.start();
                final ExecutorService virtual =
                    (ExecutorService)Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
                try
                {
                    final List<Future<?>> tasks = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++)
                    {
                        final long seed = t;
                        tasks.add(virtual.submit(() ->
                        {
                            final IndexInput clone = input.clone();
                            final Random random = new Random(seed);
                            for (int i = 0; i < READS_PER_THREAD; i++)
                            {
                                final int length = 4096 + random.nextInt(12 * 1024 + 1);
                                final int position = random.nextInt(content.length - length);
                                final byte[] read = new byte[length];
                                clone.seek(position);
                                clone.readBytes(read, 0, length);
                                assertArrayEquals(Arrays.copyOfRange(content, position, position + length), read,
                                    "engine=" + engine + " position=" + position + " length=" + length);
                            }
                            return null;
                        }));
                    }
                    for (final Future<?> task : tasks)
                    {
                        task.get(90, TimeUnit.SECONDS);
                    }
                    // Control: a park inside a class initializer pins on every JDK so far, so the recording must
                    // show one event (outside pageio): proves the check can see a pin at all.
                    final Class<?> control = new FreshLoader().defineFresh(ParksInItsInitializer.class);
                    virtual.submit(() -> Class.forName(control.getName(), true, control.getClassLoader()))
                        .get(30, TimeUnit.SECONDS);
                }
                finally
                {
                    virtual.shutdown();
                    assertTrue(virtual.awaitTermination(30, TimeUnit.SECONDS));
                }
                recording.stop();
                recording.dump(jfr);
                assertEquals(0, dir.callerReads(),
                    "a virtual thread never reads on its carrier (pread): every read goes through the ring");
            }
            final List<RecordedEvent> pinned = RecordingFile.readAllEvents(jfr).stream()
                .filter(e -> e.getEventType().getName().equals("jdk.VirtualThreadPinned"))
                .collect(Collectors.toList());
            assertTrue(pinned.stream().anyMatch(VirtualThreadPinningTest::isControl),
                "the control pin was not recorded: the check would see nothing; events=" + pinned.size());
            final List<String> ours = pinned.stream()
                .filter(e -> e.getStackTrace() != null && !isControl(e) && e.getStackTrace().getFrames().stream()
                    .anyMatch(f -> isPageio(f)))
                .map(e -> e.getStackTrace().getFrames().stream()
                    .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":" +
                        f.getLineNumber())
                    .collect(Collectors.joining("\n  ", "pinned " + e.getDuration() + "\n  ", "")))
                .collect(Collectors.toList());
            assertTrue(ours.isEmpty(), "engine=" + engine + " JDK " + Runtime.version() + ": " + ours.size() +
                " of " + pinned.size() + " pinned events have pageio frames:\n" + String.join("\n", ours));
        }
    }

    /** Defines a class anew from its class file, so its initializer runs again (once per test). */
    static final class FreshLoader extends ClassLoader
    {
        FreshLoader()
        {
            super(VirtualThreadPinningTest.class.getClassLoader());
        }

        Class<?> defineFresh(final Class<?> type) throws java.io.IOException
        {
            final String file = type.getName().substring(type.getName().lastIndexOf('.') + 1) + ".class";
            try (java.io.InputStream in = type.getResourceAsStream(file))
            {
                final byte[] bytes = in.readAllBytes();
                return defineClass(type.getName(), bytes, 0, bytes.length);
            }
        }
    }

    /** A frame of pageio's own code; this test's frames (its reading lambda) are not pageio's. */
    private static boolean isPageio(final RecordedFrame frame)
    {
        if (frame.getMethod() == null)
        {
            return false;
        }
        final String type = frame.getMethod().getType().getName();
        return type.startsWith("dev.pageio.") && !type.startsWith(VirtualThreadPinningTest.class.getName());
    }

    private static boolean isControl(final RecordedEvent event)
    {
        return event.getStackTrace() != null && event.getStackTrace().getFrames().stream().anyMatch(f ->
            f.getMethod() != null && f.getMethod().getType().getName().equals(ParksInItsInitializer.class.getName()));
    }
}
