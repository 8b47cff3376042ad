package dev.pageio.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one door to JDK Flight Recorder: pageio runs where the {@code jdk.jfr} module is absent (a jlinked runtime, a
 * JPMS application that does not resolve it), so nothing outside this class names a {@code jdk.jfr} type before
 * {@link #AVAILABLE} says the module is there. Keeps the open rings for the periodic
 * {@code pageio.RingStatistics} event.
 *
 * <p>Threading: any thread.
 */
final class JfrSupport
{
    /** True when {@code jdk.jfr} can be loaded; pageio's events exist only then. */
    static final boolean AVAILABLE = probe();

    private static final Set<IoRing> RINGS = ConcurrentHashMap.newKeySet();
    private static boolean periodicRegistered;

    private JfrSupport()
    {
    }

    private static boolean probe()
    {
        try
        {
            Class.forName("jdk.jfr.Event", false, JfrSupport.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException | LinkageError e)
        {
            return false;
        }
    }

    /** @return a slot's events, or null without JFR. */
    static SlotEvents newSlotEvents()
    {
        return AVAILABLE ? new SlotEvents() : null;
    }

    /** A ring opened: it appears in {@code pageio.RingStatistics} until {@link #ringClosed}. */
    static void ringOpened(final IoRing ring)
    {
        if (!AVAILABLE)
        {
            return;
        }
        RINGS.add(ring);
        registerPeriodic();
        // loaded now, not by the first submitter that finds the ring full (see Backoff.load)
        Jfr.load();
    }

    /** A ring shut down. */
    static void ringClosed(final IoRing ring)
    {
        RINGS.remove(ring);
    }

    private static synchronized void registerPeriodic()
    {
        if (periodicRegistered)
        {
            return;
        }
        periodicRegistered = true;
        try
        {
            Jfr.registerPeriodic(RINGS);
        }
        catch (final RuntimeException | LinkageError e)
        {
            // JFR present but refusing (e.g. disabled by the JVM): the other events still work, this one is absent
            System.getLogger(JfrSupport.class.getName()).log(System.Logger.Level.DEBUG,
                "pageio.RingStatistics not registered: " + e);
        }
    }

    /**
     * Submitting thread, when the ring is full: begins a {@code pageio.QueueFull} event if it is enabled.
     *
     * @return the event, to pass to {@link #queueFullEnd}, or null.
     */
    static Object queueFullBegin()
    {
        return AVAILABLE ? Jfr.queueFullBegin() : null;
    }

    /** Ends and commits the event {@link #queueFullBegin} returned (nothing when null). */
    static void queueFullEnd(final Object event, final String ring, final String engine, final int queueDepth,
        final String outcome)
    {
        if (event != null)
        {
            Jfr.queueFullEnd(event, ring, engine, queueDepth, outcome);
        }
    }

    /** The code that names {@code jdk.jfr} types: loaded only when {@link #AVAILABLE}. */
    private static final class Jfr
    {
        private static final JfrEvents.QueueFull QUEUE_FULL_PROBE = new JfrEvents.QueueFull();

        static void load()
        {
            // the call runs the class's initialisation
        }

        static void registerPeriodic(final Set<IoRing> rings)
        {
            jdk.jfr.FlightRecorder.addPeriodicEvent(JfrEvents.RingStatistics.class, () ->
            {
                for (final IoRing ring : rings)
                {
                    final RingStats s = ring.stats();
                    final JfrEvents.RingStatistics e = new JfrEvents.RingStatistics();
                    e.ring = s.ringName();
                    e.engine = s.engine();
                    e.submitted = s.submitted();
                    e.completed = s.completed();
                    e.failed = s.failed();
                    e.inFlight = s.inFlight();
                    e.bytesRead = s.bytesRead();
                    e.bytesWritten = s.bytesWritten();
                    e.systemCalls = s.systemCalls();
                    e.submitCalls = s.submitCalls();
                    e.waitCalls = s.waitCalls();
                    e.wakeups = s.wakeups();
                    e.batches = s.batches();
                    e.meanBatchSize = s.meanBatchSize();
                    e.queueFullWaits = s.queueFullWaits();
                    e.queueFullWaitTime = s.queueFullWaitNs();
                    e.agentSleeps = s.agentSleeps();
                    e.syncsIssued = s.syncsIssued();
                    e.barriersCompleted = s.barriersCompleted();
                    e.commitsPerSync = s.commitsPerSync();
                    e.commit();
                }
            });
        }

        static Object queueFullBegin()
        {
            if (!QUEUE_FULL_PROBE.isEnabled())
            {
                return null;
            }
            final JfrEvents.QueueFull e = new JfrEvents.QueueFull();
            e.begin();
            return e;
        }

        static void queueFullEnd(final Object event, final String ring, final String engine, final int queueDepth,
            final String outcome)
        {
            final JfrEvents.QueueFull e = (JfrEvents.QueueFull)event;
            e.end();
            if (e.shouldCommit())
            {
                e.ring = ring;
                e.engine = engine;
                e.queueDepth = queueDepth;
                e.outcome = outcome;
                e.commit();
            }
        }
    }
}
