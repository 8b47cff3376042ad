package dev.pageio.channel;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The one daemon thread ({@value #THREAD_NAME}) that keeps a {@link HandlerLane}'s held completions from waiting for
 * ever behind a handler that blocks: every {@link HandlerLane#HOLD_NS} it looks at each active lane and hands
 * operations that waited a whole period, untaken, to another executor task ({@link HandlerLane#watch()}). It
 * parks without a timeout once no lane has been active for {@value #QUIET_PERIODS} periods, and a lane's task wakes
 * it when it starts to hold completions again: an idle process costs it no CPU, a busy one about a thousand
 * wake-ups a second.
 *
 * <p>Parking: the watchdog writes {@link #parked}, then looks at every lane once more before it parks; a lane's
 * task makes itself active (its lane's head {@code BUSY}, a volatile write) before it reads {@link #parked}. Both
 * are volatile accesses, so one of the two sees the other (Dekker's pattern, as {@code RingAgent}'s sleep): either
 * the watchdog sees the lane active and does not park, or the task sees it parked and unparks it.
 *
 * <p>Threading: {@link #register} and {@link #wakeIfParked()}: any thread; the rest: the watchdog's thread.
 */
final class LaneWatchdog implements Runnable
{
    static final String THREAD_NAME = "pageio-channel-lane-watchdog";
    /** Periods without an active lane after which the watchdog parks until a lane wakes it. */
    static final int QUIET_PERIODS = 64;

    private static final class Holder
    {
        static final LaneWatchdog INSTANCE = start();
    }

    /** Lanes registered and not yet seen by the watchdog's thread. */
    private final ConcurrentLinkedQueue<WeakReference<HandlerLane>> joining = new ConcurrentLinkedQueue<>();
    /** The lanes watched (the watchdog's thread only); dropped once unreachable. */
    private final ArrayList<WeakReference<HandlerLane>> lanes = new ArrayList<>();
    private final long periodNs;
    private Thread thread;
    private volatile boolean parked;

    private LaneWatchdog(final long periodNs)
    {
        this.periodNs = periodNs;
    }

    private static LaneWatchdog start()
    {
        final LaneWatchdog watchdog = new LaneWatchdog(HandlerLane.HOLD_NS > 0 ? HandlerLane.HOLD_NS : 1_000_000L);
        final Thread t = new Thread(watchdog, THREAD_NAME);
        t.setDaemon(true);
        watchdog.thread = t;
        t.start();
        return watchdog;
    }

    /** @return the watchdog, started on first use. */
    static LaneWatchdog get()
    {
        return Holder.INSTANCE;
    }

    /** Any thread: watches {@code lane} from now on, for as long as it is reachable. */
    void register(final HandlerLane lane)
    {
        joining.offer(new WeakReference<>(lane));
    }

    /** Any thread, after making its lane active: wakes the watchdog if it parked for want of active lanes. */
    void wakeIfParked()
    {
        if (parked)
        {
            parked = false;
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void run()
    {
        int quiet = 0;
        while (true)
        {
            if (scan())
            {
                quiet = 0;
                LockSupport.parkNanos(this, periodNs);
                continue;
            }
            if (++quiet < QUIET_PERIODS)
            {
                LockSupport.parkNanos(this, periodNs);
                continue;
            }
            parked = true;
            // look again after announcing the park: a lane made active before its task read parked=false is seen
            if (!scan())
            {
                LockSupport.park(this); // a spurious return only costs a scan
            }
            parked = false;
            quiet = 0;
        }
    }

    /** @return true when some lane is active (a task of it holds, runs or spins). */
    private boolean scan()
    {
        WeakReference<HandlerLane> joined;
        while ((joined = joining.poll()) != null)
        {
            lanes.add(joined);
        }
        boolean active = false;
        for (int i = lanes.size() - 1; i >= 0; i--)
        {
            final HandlerLane lane = lanes.get(i).get();
            if (lane == null)
            {
                lanes.set(i, lanes.get(lanes.size() - 1));
                lanes.remove(lanes.size() - 1);
                continue;
            }
            try
            {
                active |= lane.watch();
            }
            catch (final RuntimeException e)
            {
                // an executor that threw on a take-over (not a rejection, which HandlerLane handles): go on
                // watching the other lanes; the thread's handler reports it
                final Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
                active = true;
            }
        }
        return active;
    }
}
