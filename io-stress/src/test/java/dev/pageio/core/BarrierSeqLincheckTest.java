package dev.pageio.core;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

/**
 * Lincheck model checking of the barrier numbering's linearizability: {@link BarrierTracker#nextSeq()} (a write
 * takes its sequence number, or is refused once the file closes), {@link BarrierTracker#lastSeq()} (a barrier's S)
 * and {@link BarrierTracker#closeSeq()} (the close barrier's S, closing the numbering), the tracker's operations that
 * any thread calls. Each concurrent history Lincheck's model checker explores (thread switches at every shared
 * access) must equal some sequential history of {@link Spec}: a counter that a close freezes. A non-linearizable
 * history is a write numbered after the close barrier read S, i.e. accepted and not covered by it (rule 11), or a
 * barrier whose S misses a write whose number was already returned (rule 1).
 */
class BarrierSeqLincheckTest
{
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void barrierNumberingIsLinearizableUnderModelChecking()
    {
        new ModelCheckingOptions().iterations(10).invocationsPerIteration(500).threads(3).actorsPerThread(3)
            .sequentialSpecification(Spec.class).check(Model.class);
    }

    /** The operations Lincheck runs (public, with a public constructor: Lincheck creates one per scenario). */
    public static final class Model
    {
        /** The real tracker, built as IoFile builds it; the window is far larger than the writes a scenario makes. */
        private final BarrierTracker tracker = new BarrierTracker("lincheck-file", false, true,
            RingConfig.builder().name("lincheck").submitTimeoutNs(0).build(), BarrierPolicy.STRICT, 0, NO_PROGRESS, null);

        private static final Progress NO_PROGRESS = new Progress()
        {
            @Override
            public boolean onAgentThread()
            {
                return false;
            }

            @Override
            public boolean helpProgress()
            {
                return false;
            }
        };

        /** @return the write's sequence number, or -1 when the numbering is closed (ClosedFileException). */
        @Operation
        public long nextSeq()
        {
            try
            {
                return tracker.nextSeq();
            }
            catch (final ClosedFileException e)
            {
                return -1;
            }
        }

        @Operation
        public long lastSeq()
        {
            return tracker.lastSeq();
        }

        @Operation
        public long closeSeq()
        {
            return tracker.closeSeq();
        }
    }

    /** The sequential specification: a counter that a close freezes. */
    public static final class Spec
    {
        private long s;
        private boolean closed;

        public long nextSeq()
        {
            return closed ? -1 : ++s;
        }

        public long lastSeq()
        {
            return s;
        }

        public long closeSeq()
        {
            closed = true;
            return s;
        }
    }
}
