package dev.pageio.core;

import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Recording;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one door to JDK Flight Recorder. pageio runs where the {@code jdk.jfr} module is absent (a jlinked runtime, a
 * JPMS application that does not resolve it), so nothing outside this class names a {@code jdk.jfr} type before
 * {@link #AVAILABLE} says the module is there. And it does not initialize JFR itself: loading the first event class
 * costs the JVM about a second on a loaded machine (measured 0.5 to 2.5 s of a ring's first opening), which an
 * application that never records should not pay. So a ring registers a {@code FlightRecorderListener} (about 1 ms),
 * and only when JFR is initialized (a recording is created, or {@code -XX:StartFlightRecording}) are the rings'
 * events created and the periodic {@code pageio.RingStatistics} registered, on the thread that initializes JFR.
 *
 * <p>Threading: any thread.
 */
final class JfrSupport
{
    /** True when {@code jdk.jfr} can be loaded; pageio's events exist only then. */
    static final boolean AVAILABLE = probe();

    private static final Set<IoRing> RINGS = ConcurrentHashMap.newKeySet();
    private static boolean listening;
    /** True once JFR is initialized and pageio's event classes are loaded. */
    private static volatile boolean recorderUp;
    /**
     * Counts the recordings' state changes (start, stop, close): JFR applies a starting recording's settings before
     * it tells its listeners, so a request submitted after {@code Recording.start()} returned sees the new count, and
     * {@link EventClock} asks JFR about it rather than trust a floor probed under the old settings.
     */
    private static final AtomicInteger SETTINGS_EPOCH = new AtomicInteger();

    private JfrSupport()
    {
    }

    private static boolean probe()
    {
        try
        {
            Class.forName("jdk.jfr.FlightRecorderListener", false, JfrSupport.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException | LinkageError e)
        {
            return false;
        }
    }

    /** A ring opened: it gets events now if JFR is up, else when it comes up; it appears in RingStatistics. */
    static void ringOpened(final IoRing ring)
    {
        if (!AVAILABLE)
        {
            return;
        }
        RINGS.add(ring);
        listen();
        // after the add: recorderInitialized sets recorderUp before it walks RINGS, so one of the two enables it
        if (recorderUp)
        {
            ring.enableEvents();
        }
    }

    /** A ring shut down. */
    static void ringClosed(final IoRing ring)
    {
        RINGS.remove(ring);
    }

    private static synchronized void listen()
    {
        if (listening)
        {
            return;
        }
        listening = true;
        try
        {
            Jfr.listen();
        }
        catch (final RuntimeException | LinkageError e)
        {
            // JFR present but refusing (e.g. a security manager): pageio records no events then
            System.getLogger(JfrSupport.class.getName()).log(System.Logger.Level.DEBUG,
                "pageio JFR events off: " + e);
        }
    }

    /** JFR came up (the listener; or at once when it already was): events for every open ring. */
    static void recorderInitialized()
    {
        Jfr.prepare(RINGS);
        recorderUp = true;
        for (final IoRing ring : RINGS)
        {
            ring.enableEvents();
        }
    }

    /** @return the count of recording state changes so far (any thread; one volatile read). */
    static int settingsEpoch()
    {
        return SETTINGS_EPOCH.get();
    }

    /**
     * Submitting thread, when the ring is full: begins a {@code pageio.QueueFull} event if it is enabled.
     *
     * @return the event, to pass to {@link #queueFullEnd}, or null.
     */
    static Object queueFullBegin()
    {
        return recorderUp ? Jfr.queueFullBegin() : null;
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
        /** Set by {@link #prepare}, before {@link #recorderUp}. */
        private static JfrEvents.QueueFull queueFullProbe;

        static void listen()
        {
            FlightRecorder.addListener(new FlightRecorderListener()
            {
                @Override
                public void recorderInitialized(final FlightRecorder recorder)
                {
                    JfrSupport.recorderInitialized();
                }

                @Override
                public void recordingStateChanged(final Recording recording)
                {
                    SETTINGS_EPOCH.incrementAndGet();
                }
            });
        }

        /** Loads the event classes and registers the periodic event (on the thread initializing JFR). */
        static synchronized void prepare(final Set<IoRing> rings)
        {
            if (queueFullProbe != null)
            {
                return;
            }
            queueFullProbe = new JfrEvents.QueueFull();
            FlightRecorder.addPeriodicEvent(JfrEvents.RingStatistics.class, () ->
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
            if (!queueFullProbe.isEnabled())
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
