package dev.pageio.channel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The other process of the lock tests: takes a POSIX lock with the JDK's {@link FileChannel}, says "locked", holds
 * it until a line arrives on stdin (or stdin closes), releases it and says "released".
 * Arguments: path position size shared.
 */
final class LockHolder
{
    private LockHolder()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Path path = Path.of(args[0]);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)))
        {
            final FileLock lock = ch.lock(Long.parseLong(args[1]), Long.parseLong(args[2]), Boolean.parseBoolean(args[3]));
            System.out.println("locked");
            System.out.flush();
            in.readLine();
            lock.release();
            System.out.println("released");
            System.out.flush();
        }
    }

    /** The parent's handle on a child JVM holding a lock. */
    static final class Child implements AutoCloseable
    {
        private final Process process;
        private final BufferedReader out;

        Child(final Path path, final long position, final long size, final boolean shared) throws Exception
        {
            final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                path.toString(), Long.toString(position), Long.toString(size), Boolean.toString(shared))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            final String line = out.readLine();
            if (!"locked".equals(line))
            {
                process.destroyForcibly();
                throw new IllegalStateException("lock holder did not lock: said=" + line);
            }
        }

        /** Releases the lock and waits for the child to say so. */
        void release() throws Exception
        {
            process.getOutputStream().write('\n');
            process.getOutputStream().flush();
            final String line = out.readLine();
            if (!"released".equals(line))
            {
                throw new IllegalStateException("lock holder did not release: said=" + line);
            }
        }

        @Override
        public void close() throws IOException
        {
            process.getOutputStream().close();
            try
            {
                if (!process.waitFor(30, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                }
            }
            catch (final InterruptedException e)
            {
                // no InterruptedException from close (javac -Xlint:try): the child is killed, the flag kept
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
