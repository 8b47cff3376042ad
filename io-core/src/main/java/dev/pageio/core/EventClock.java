package dev.pageio.core;

import jdk.jfr.Event;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;

/**
 * One ring's clock for its JFR request events: lets the agent tell, with a subtraction and a compare, that a request
 * ended far below its event's threshold, so that it neither ends the event (a JFR timestamp) nor asks JFR whether to
 * commit it. Created with the slots' {@link SlotEvents} when JFR is initialized ({@link IoRing#enableEvents()}).
 *
 * <p>The clock: the agent reads {@link System#nanoTime()} once per duty cycle ({@link #cycle()}) and publishes it;
 * a submitter stamps its request with the last published value ({@link #cycleNs()}, no clock read). That stamp is
 * never later than the submitting call, so {@code cycleNs - stamp} at the request's end, in a later cycle, is at
 * least the request's duration up to the start of the cycle that ends it: the estimate is accurate to the agent's
 * duty cycle, and errs long, never short, on the submitting side (a stamp read while the agent slept is old).
 *
 * <p>The thresholds: the public JFR API does not say what a running recording's effective threshold is (the
 * minimum over the recordings that enable the event, {@code jdk.jfr.Event#shouldCommit()}), so the agent asks JFR
 * itself. Every {@link #PROBE_NS} it ends one never-committed probe event per type, begun at the previous probe, and
 * asks {@code shouldCommit()}: false means the threshold exceeds the probe's duration, so a request estimated below
 * {@link #floorNs} (7/8 of it, for the two clocks' rates) cannot pass it and is skipped; true (or disabled) sets the
 * floor to 0, every request of the type is then ended and asked, exactly as without this clock. At the shipped 20 ms
 * the floor is about 4.4 ms. A probe that ran past twice its period (the agent slept or was descheduled) is not
 * asked but begun again, and the floors stand (probed within the agent's last 5 ms of cycles). A recording that starts, stops or closes changes {@link JfrSupport#settingsEpoch()}
 * before its {@code start()} returns; a request ended under an older epoch is always ended and asked. A threshold
 * lowered on a running recording ({@code Recording.setSettings}, {@code enable(..).withThreshold}) is seen at the
 * next probe, within {@link #PROBE_NS} of the agent's cycles; until then a request below the old floor goes
 * unrecorded.
 *
 * <p>Nothing here allocates after construction. Threading: {@link #cycleNs()} any thread; everything else the
 * agent.
 */
final class EventClock
{
    /** The probe period, and the longest a lowered threshold on a running recording can go unseen. */
    static final long PROBE_NS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Indexes of the request event types: {@code pageio.Read}, {@code .Write}, {@code .Sync}, {@code .Barrier}. */
    static final int READ = 0;
    static final int WRITE = 1;
    static final int SYNC = 2;
    static final int BARRIER = 3;
    /** While every type is disabled, the clock is read (and the probe run when due) once per this many cycles. */
    static final int IDLE_CYCLES = 64;

    private static final VarHandle CYCLE_NS;

    static
    {
        try
        {
            CYCLE_NS = MethodHandles.lookup().findVarHandle(EventClock.class, "cycleNs", long.class);
        }
        catch (final ReflectiveOperationException e)
        {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One probe per type, begun at {@link #probeStartNs}, ended at the next probe, never committed. */
    private final Event[] probes = {new JfrEvents.Read(), new JfrEvents.Write(), new JfrEvents.Sync(),
        new JfrEvents.Barrier()};
    /** Per type: a request estimated shorter cannot pass the type's threshold; 0: every request is asked. */
    private final long[] floorNs = new long[4];
    /** The agent's clock at the start of its current duty cycle; written opaque: read by submitters. */
    private long cycleNs;
    private long probeStartNs;
    private int epoch;
    /** Whether any request event type was enabled at the last probe (true until the first). */
    private boolean anyEnabled = true;
    /** Requests whose event was ended and asked (a JFR timestamp each), for tests and the README's count. */
    long asked;
    /** Requests skipped below the floor (no timestamp, no JFR call). */
    long skipped;
    /** Duty cycles. */
    long cycles;
    /** Probes run. */
    long probeRuns;
    /** Duty cycles that read the clock ({@link System#nanoTime()}). */
    long clockReads;

    /** Any thread (the one enabling the ring's events); the agent receives it through its control queue. */
    EventClock()
    {
        epoch = JfrSupport.settingsEpoch();
        restartProbes();
        // links the submitters' call site here, not on the first (maybe virtual) submitting thread: see SlotEvents
        cycleNs();
    }

    /** Any thread: the stamp of a request submitted now (the agent's last cycle start; 0 before the first). */
    long cycleNs()
    {
        return (long)CYCLE_NS.getOpaque(this);
    }

    /**
     * Agent, at the start of each duty cycle: reads the clock once, and probes the thresholds when due. While every
     * request event was disabled at the last probe (a recording that disables pageio's events), only every
     * {@link #IDLE_CYCLES}th cycle reads the clock, to probe again; a stamp is then older than it could be, which
     * only makes an estimate longer.
     */
    void cycle()
    {
        cycles++;
        final int current = JfrSupport.settingsEpoch();
        if (!anyEnabled && current == epoch && (cycles & (IDLE_CYCLES - 1)) != 0)
        {
            return;
        }
        final long now = System.nanoTime();
        // opaque: a submitter needs an untorn value, not an ordering; a stale one only makes its estimate longer
        CYCLE_NS.setOpaque(this, now);
        clockReads++;
        if (current != epoch)
        {
            // a recording started, stopped or closed: ask for every request until a probe has run under it
            epoch = current;
            anyEnabled = true;
            for (int i = 0; i < floorNs.length; i++)
            {
                floorNs[i] = 0;
            }
            restartProbes();
        }
        else if (now - probeStartNs > 2 * PROBE_NS)
        {
            // the agent was away (asleep, descheduled): JFR would commit a probe this long at the shipped 20 ms, which
            // says nothing about a floor; the floors stand, probed within the agent's last 5 ms of cycles
            restartProbes();
        }
        else if (now - probeStartNs >= PROBE_NS)
        {
            probe(now);
        }
    }

    private void restartProbes()
    {
        for (final Event probe : probes)
        {
            probe.begin();
        }
        probeStartNs = System.nanoTime();
    }

    /**
     * Ends each probe and asks JFR whether it would commit it: the probe began before {@link #probeStartNs} and
     * ends after {@code now}, so its JFR duration is at least {@code now - probeStartNs}.
     */
    private void probe(final long now)
    {
        final long elapsedNs = now - probeStartNs;
        final long floor = elapsedNs - (elapsedNs >> 3);
        boolean enabled = false;
        for (int i = 0; i < probes.length; i++)
        {
            final Event probe = probes[i];
            probe.end();
            final boolean typeEnabled = probe.isEnabled();
            enabled |= typeEnabled;
            floorNs[i] = typeEnabled && !probe.shouldCommit() ? floor : 0;
            probe.begin();
        }
        anyEnabled = enabled;
        probeRuns++;
        probeStartNs = System.nanoTime();
    }

    /**
     * Agent: true when a request of {@code type} stamped {@code stampNs} ends far enough below its threshold that
     * its event needs no end and no question to JFR.
     */
    boolean skips(final int type, final long stampNs)
    {
        if (cycleNs - stampNs < floorNs[type] && epoch == JfrSupport.settingsEpoch())
        {
            skipped++;
            return true;
        }
        asked++;
        return false;
    }

    /** Agent: the floor of {@code type} now, in nanoseconds (tests). */
    long floorNs(final int type)
    {
        return floorNs[type];
    }
}
