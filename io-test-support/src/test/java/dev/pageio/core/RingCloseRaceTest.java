package dev.pageio.core;

import dev.pageio.testing.sim.SimulatedEngine;
import dev.pageio.testing.sim.SimulatedFile;
import dev.pageio.testing.sim.SimulatedSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A ring's close against a submitter that waits for a slot, replayed one step at a time (issue 17, mutation j05:
 * {@code Submission.acquireOpen}'s second look at {@code closed} after taking a slot).
 *
 * <p>The protocol: the ring sets {@code closed} before its agent counts the slots in use, and the agent stops once
 * it counted none. A submitter that takes a slot and then looks at {@code closed} again is either counted (the agent
 * waits for its request and ends it) or sees {@code closed} and gives the slot back. Without the second look, a
 * submitter whose last look came before {@code closed} was set, and whose slot came free after the agent counted
 * none, publishes a request that no agent will ever take. For a read or a write the file would refuse it anyway
 * (the ring closes its files first, and {@code FileState.enter} refuses a closed file), but a file's close barrier
 * counts itself in on a closed file by design ({@code FileState.enterForClose}): for it the second look is the only
 * guard. The replay: a CALLER ring of one slot, held by a queued read; {@link IoFile#closeAsync()} waits for the slot
 * (back-pressure) and, waiting, drives the ring ({@code Backoff.idle}, {@code helpProgress}); in that duty cycle a
 * command runs {@link IoRing#close()}, as another thread's close would land while the submitter parks, and the close
 * runs to its end (the queued read fails ECANCELED, its slot comes free, the agent counts none and stops). The
 * submitter's next poll then takes the freed slot. The same replay shows the durability side (BARRIER.md rule 11):
 * the ring's close skipped the file (its close had begun) and the file's barrier was refused, so the accepted write
 * was never synced; the file's close must fail saying it was not a barrier, not report success.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RingCloseRaceTest
{
    @Test
    void shouldNotQueueACloseBarrierOnARingWhoseCloseEndedWhileTheBarrierWaitedForASlot() throws Exception
    {
        final IoRing ring = SimulatedEngine.open(RingConfig.builder().threadMode(RingConfig.ThreadMode.CALLER)
            .queueDepth(1).name("ring-close-race"), new SimulatedSchedule(17));
        try
        {
            final IoFile file = ring.adopt(new SimulatedFile(Path.of("closing")));
            final IoFile other = ring.adopt(new SimulatedFile(Path.of("other")));
            // one accepted write, so that the file's close queues a barrier (its S is 1)
            final CompletableFuture<Long> write = file.write(0, ByteBuffer.allocateDirect(SimulatedFile.SECTOR));
            while (!write.isDone())
            {
                ring.poll();
            }
            assertEquals(SimulatedFile.SECTOR, write.get().intValue());
            // the ring's only slot: a read held in the submission queue
            ring.pause();
            final CompletableFuture<Long> held = other.read(0, ByteBuffer.allocateDirect(SimulatedFile.SECTOR));
            assertEquals(1, ring.slotsInUse());
            // the ring's close, run by whoever drives the agent next: the waiting submitter itself
            final CompletableFuture<Void> ringClosed = ring.onAgent(backend ->
            {
                closeOnAgent(ring);
                return null;
            });

            final CompletableFuture<Void> fileClosed = file.closeAsync();

            assertTrue(ringClosed.isDone(), "the close ran in the submitter's wait: the replay is what it says");
            assertTrue(ring.terminated().isDone(), "the ring's close ran to its end during the wait");
            final ExecutionException heldFailure = assertThrows(ExecutionException.class, held::get);
            assertEquals("ECANCELED", ((IoFailure)heldFailure.getCause()).errnoName(),
                "the queued read failed with the close");
            assertEquals(0, ring.slotsInUse(),
                "no slot holds a request that the stopped ring will never take (the close barrier was refused)");
            assertTrue(fileClosed.isDone(),
                "the file's close ended: its barrier was not queued to a ring that had stopped (lost), holding the " +
                    "file's count and its descriptor open for ever");
            // rule 11: the accepted write was never synced, so the close must not report success
            final ExecutionException notABarrier = assertThrows(ExecutionException.class, fileClosed::get,
                "a close whose barrier the closed ring refused is not a barrier, and says so");
            final IoFailure failure = (IoFailure)notABarrier.getCause();
            assertEquals("ECANCELED", failure.errnoName());
            assertTrue(failure.getMessage().contains("closed without it"), failure.getMessage());
            assertEquals(0, file.barrierSyncs(), "no sync ran for the file");
        }
        finally
        {
            ring.close();
        }
    }

    /** On the agent thread {@link IoRing#close()} only starts the close (it never throws there). */
    private static void closeOnAgent(final IoRing ring)
    {
        try
        {
            ring.close();
        }
        catch (final IoFailure e)
        {
            throw new AssertionError("a close on the agent thread does not report: " + e, e);
        }
    }
}
