package dev.pageio.stress;

import dev.pageio.core.BarrierMode;
import dev.pageio.core.IoFailure;
import dev.pageio.core.IoFile;
import dev.pageio.core.IoHandler;
import dev.pageio.core.IoRing;
import dev.pageio.core.RingConfig;
import dev.pageio.testing.sim.SimulatedEngine;
import dev.pageio.testing.sim.SimulatedFile;
import dev.pageio.testing.sim.SimulatedSchedule;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LL_Result;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The barrier watermarks (write sequence S, completed C, durable D, the waiting list) under concurrent writers and
 * barriers: two writers each write a sector and then ask for a barrier on the same file, and the second then drives
 * the ring (a CALLER ring over the simulated device, whose writes complete out of order after a few cycles and whose
 * syncs are delayed too; the seed changes per state). Writes are numbered by {@code nextSeq}'s CAS, a barrier's S is
 * the last number taken when it was submitted, and it may reach the agent before a write it covers does. Every
 * barrier that succeeds must do so after every write it covers (sequence number &le; its result S) has completed:
 * each barrier's handler takes a snapshot of the completed writes when it runs, and the arbiter checks it against
 * the writers' sequence numbers.
 *
 * <p>Results: r1, r2 = writer 1's, writer 2's barrier: "ok" (succeeded after every write it covers), "EARLY"
 * (succeeded while a covered write had not completed), or what went wrong ("LOST", an errno name).
 */
@JCStressTest
@Outcome(id = "ok, ok", expect = ACCEPTABLE, desc = "both barriers succeeded after every write they cover")
@Outcome(id = ".*EARLY.*", expect = FORBIDDEN, desc = "a barrier succeeded while a write it covers had not completed")
@Outcome(expect = FORBIDDEN, desc = "a barrier or write lost or failed (no error is injected)")
@State
public class BarrierWatermarkStress
{
    private static final int MAX_POLLS = 100_000;
    private static final AtomicLong SEEDS = new AtomicLong();

    private final IoRing ring;
    private final IoFile file;
    private final Writer one = new Writer(0);
    private final Writer two = new Writer(1);
    /** Bit i set: writer i's write completed (agent thread = the polling thread; read by the arbiter after). */
    private final AtomicInteger writesDone = new AtomicInteger();

    /** A CALLER ring with one simulated file; out-of-order write completions, delayed syncs. */
    public BarrierWatermarkStress()
    {
        try
        {
            final SimulatedSchedule schedule = new SimulatedSchedule(SEEDS.incrementAndGet());
            schedule.maxWriteDelayCycles = 3;
            schedule.maxSyncDelayCycles = 2;
            ring = SimulatedEngine.open(RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER).queueDepth(8)
                .name("jcstress-barrier-watermark"), schedule);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        file = ring.adopt(new SimulatedFile(Path.of("jcstress-barrier-watermark")));
    }

    /** Writer 1: a write, then a barrier. */
    @Actor
    public void writer1()
    {
        one.run();
    }

    /**
     * Writer 2: a write, then a barrier, then it drives the ring (the agent: completes writes, issues and completes
     * syncs, ends barriers) while writer 1 may still be submitting. (Two actors: jcstress runs no test with more
     * actors than CPUs, and CI has two.)
     */
    @Actor
    public void writer2()
    {
        two.run();
        for (int i = 0; i < 64; i++)
        {
            ring.poll();
        }
    }

    /** After all: drives the ring to the end, then judges each barrier. */
    @Arbiter
    public void arbiter(final LL_Result r)
    {
        for (int i = 0; i < MAX_POLLS && (one.barrier.get() == 0 || two.barrier.get() == 0); i++)
        {
            ring.poll();
        }
        r.r1 = one.verdict();
        r.r2 = two.verdict();
        try
        {
            ring.close();
        }
        catch (final IoFailure e)
        {
            r.r2 = r.r2 + " close failed: " + e.errnoName();
        }
    }

    /** One writer: its write's sequence number, and what its barrier saw. */
    private final class Writer implements IoHandler<Writer>
    {
        private final int id;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(SimulatedFile.SECTOR);
        private volatile long seq;
        private volatile String failed;
        /** 0 until the barrier completes; then 1 + (the writes completed when it did, as bits) << 1. */
        private final AtomicInteger barrier = new AtomicInteger();
        /** The barrier's result: the last sequence number it covers. */
        private volatile long covered;

        Writer(final int id)
        {
            this.id = id;
        }

        void run()
        {
            try
            {
                seq = file.write((long)id * SimulatedFile.SECTOR, buffer, this, this, 0);
                file.barrier(BarrierMode.DATA, this, this, 1);
            }
            catch (final RuntimeException e)
            {
                failed = e.getClass().getSimpleName();
            }
        }

        @Override
        public void completed(final long result, final Writer w, final long token)
        {
            if (token == 0)
            {
                writesDone.getAndUpdate(bits -> bits | 1 << id);
            }
            else
            {
                covered = result;
                barrier.set(1 | writesDone.get() << 1);
            }
        }

        @Override
        public void failed(final IoFailure failure, final Writer w, final long token)
        {
            failed = (token == 0 ? "write " : "barrier ") + failure.errnoName();
            if (token != 0)
            {
                barrier.set(1);
            }
        }

        String verdict()
        {
            if (failed != null)
            {
                return failed;
            }
            final int b = barrier.get();
            if (b == 0)
            {
                return "LOST";
            }
            final int doneWhenBarrierEnded = b >>> 1;
            for (final Writer w : new Writer[] {one, two})
            {
                if (w.seq > 0 && w.seq <= covered && (doneWhenBarrierEnded & 1 << w.id) == 0)
                {
                    return "EARLY";
                }
            }
            return "ok";
        }
    }
}
