package dev.pageio.linux.uring;

import dev.pageio.core.Errno;
import dev.pageio.core.spi.BackendConfig;
import dev.pageio.core.spi.FileAccess;
import dev.pageio.core.spi.IoEngine;
import dev.pageio.core.spi.RingBackend;
import dev.pageio.linux.Arch;
import dev.pageio.linux.FdFileAccess;
import dev.pageio.linux.Linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import dev.pageio.core.spi.DirectOpenOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * The io_uring engine (priority 300, the default on Linux). {@link #unavailableCause()} probes once per engine
 * instance (the one ServiceLoader gives {@code Engines} lives as long as the JVM):
 * io_uring_setup of a small ring (ENOSYS, EPERM from seccomp or {@code kernel.io_uring_disabled}, ENOMEM from
 * memlock limits become the cause, as text), the features the backend relies on (NODROP, EXT_ARG), and
 * IORING_REGISTER_PROBE for every opcode it uses.
 */
public final class UringEngine implements IoEngine
{
    /** The engine's name. */
    public static final String NAME = "io_uring";

    private static final int[] OPCODES_USED = {
        UringSyscalls.IORING_OP_NOP, UringSyscalls.IORING_OP_READV, UringSyscalls.IORING_OP_WRITEV, UringSyscalls.IORING_OP_FSYNC,
        UringSyscalls.IORING_OP_READ_FIXED, UringSyscalls.IORING_OP_WRITE_FIXED, UringSyscalls.IORING_OP_ASYNC_CANCEL,
        UringSyscalls.IORING_OP_READ, UringSyscalls.IORING_OP_WRITE,
    };
    private static final String[] OPCODE_NAMES = {
        "NOP", "READV", "WRITEV", "FSYNC", "READ_FIXED", "WRITE_FIXED", "ASYNC_CANCEL", "READ", "WRITE",
    };

    /** The probe's answer: null until probed, "" when available, else the cause. Once per engine instance. */
    private volatile String probed;

    @Override
    public String name()
    {
        return NAME;
    }

    @Override
    public int priority()
    {
        return 300;
    }

    @Override
    public String unavailableCause()
    {
        String answer = probed;
        if (answer == null)
        {
            synchronized (this)
            {
                answer = probed;
                if (answer == null)
                {
                    final String cause = probe();
                    answer = cause == null ? "" : cause;
                    probed = answer;
                }
            }
        }
        return answer.isEmpty() ? null : answer;
    }

    @Override
    public RingBackend openBackend(final BackendConfig config) throws IOException
    {
        final String cause = unavailableCause();
        if (cause != null)
        {
            throw new IOException("io_uring unavailable: " + cause);
        }
        return UringBackend.open(config);
    }

    @Override
    public FileAccess openFile(final Path path, final Set<? extends OpenOption> options) throws IOException
    {
        if (options.contains(DirectOpenOption.DIRECT))
        {
            // O_DIRECT, with the alignment checked at the call: the same on every engine (FdFileAccess.openDirect).
            final Set<OpenOption> rest = new HashSet<>(options);
            rest.remove(DirectOpenOption.DIRECT);
            return FdFileAccess.openDirect(path, rest);
        }
        return FdFileAccess.open(path, options, 0);
    }

    static String probe()
    {
        if (Arch.UNSUPPORTED_CAUSE != null)
        {
            return Arch.UNSUPPORTED_CAUSE;
        }
        final UringRing ring;
        try
        {
            ring = UringRing.open(4, 0, false, 0);
        }
        catch (final IOException e)
        {
            return e.getMessage();
        }
        catch (final LinkageError e)
        {
            return "JNA or libc unavailable: " + e;
        }
        long probe = 0;
        try
        {
            if (!ring.hasFeature(UringSyscalls.IORING_FEAT_NODROP))
            {
                return "io_uring without IORING_FEAT_NODROP (kernel < 5.5)";
            }
            if (!ring.hasFeature(UringSyscalls.IORING_FEAT_EXT_ARG))
            {
                return "io_uring without IORING_FEAT_EXT_ARG (kernel < 5.11)";
            }
            probe = Linux.malloc(ProbeDescriptor.SIZE);
            if (probe == 0)
            {
                return "malloc failed: size=" + ProbeDescriptor.SIZE;
            }
            final ByteBuffer p = Linux.wrap(probe, ProbeDescriptor.SIZE);
            for (int i = 0; i < ProbeDescriptor.SIZE; i += 8)
            {
                p.putLong(i, 0L);
            }
            final int r = UringSyscalls.register(ring.fd, UringSyscalls.IORING_REGISTER_PROBE, probe, ProbeDescriptor.MAX_OPS);
            if (r < 0)
            {
                return "io_uring_register(IORING_REGISTER_PROBE): " + Errno.name(-r) + " (kernel < 5.6)";
            }
            final int opsLen = p.get(ProbeDescriptor.OPS_LEN) & 0xFF;
            final StringBuilder missing = new StringBuilder();
            for (int i = 0; i < OPCODES_USED.length; i++)
            {
                final int op = OPCODES_USED[i];
                final boolean supported = op < opsLen &&
                    (p.getShort(ProbeDescriptor.OPS + op * ProbeDescriptor.OP_SIZE + ProbeDescriptor.OP_FLAGS) &
                    UringSyscalls.IO_URING_OP_SUPPORTED) != 0;
                if (!supported)
                {
                    missing.append(missing.length() == 0 ? "" : ",").append("IORING_OP_").append(OPCODE_NAMES[i]);
                }
            }
            return missing.length() == 0 ? null : "io_uring lacks opcodes: " + missing;
        }
        finally
        {
            if (probe != 0)
            {
                Linux.free(probe);
            }
            ring.close();
        }
    }
}
