package dev.pageio.core;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

/**
 * Publishes a ring as a {@link RingMXBean} on the platform MBean server. Loaded only when an application asks
 * ({@link IoRing#registerMBean()}), so that pageio needs the {@code java.management} module only then.
 */
final class RingMXBeans
{
    /** The JMX domain of pageio's MBeans. */
    static final String DOMAIN = "dev.pageio";

    private RingMXBeans()
    {
    }

    /** A registered MBean: its name, and how to take it down. */
    interface Registration
    {
        String name();

        void close();
    }

    static Registration register(final IoRing ring)
    {
        try
        {
            final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            final ObjectName name = new ObjectName(DOMAIN + ":type=Ring,name=" + quoteIfNeeded(ring.config().name()));
            server.registerMBean(new Bean(ring), name);
            return new Registration()
            {
                @Override
                public String name()
                {
                    return name.toString();
                }

                @Override
                public void close()
                {
                    try
                    {
                        server.unregisterMBean(name);
                    }
                    catch (final JMException ignore)
                    {
                        // already gone (unregistered by the application): nothing to do
                    }
                }
            };
        }
        catch (final JMException e)
        {
            throw new IllegalStateException("MBean not registered: ring=" + ring.config().name() + " cause=" + e, e);
        }
    }

    private static String quoteIfNeeded(final String name)
    {
        for (int i = 0; i < name.length(); i++)
        {
            final char c = name.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n' || c == '\\')
            {
                return ObjectName.quote(name);
            }
        }
        return name;
    }

    /** The MXBean: each attribute read takes a fresh snapshot. */
    private static final class Bean implements RingMXBean
    {
        private final IoRing ring;

        Bean(final IoRing ring)
        {
            this.ring = ring;
        }

        private RingStats s()
        {
            return ring.stats();
        }

        @Override
        public String getRingName()
        {
            return s().ringName();
        }

        @Override
        public String getEngine()
        {
            return s().engine();
        }

        @Override
        public long getSubmitted()
        {
            return s().submitted();
        }

        @Override
        public long getCompleted()
        {
            return s().completed();
        }

        @Override
        public long getFailed()
        {
            return s().failed();
        }

        @Override
        public long getInFlight()
        {
            return s().inFlight();
        }

        @Override
        public long getReads()
        {
            final RingStats s = s();
            return s.completed(IoOp.READ) + s.completed(IoOp.READV);
        }

        @Override
        public long getWrites()
        {
            final RingStats s = s();
            return s.completed(IoOp.WRITE) + s.completed(IoOp.WRITEV);
        }

        @Override
        public long getBytesRead()
        {
            return s().bytesRead();
        }

        @Override
        public long getBytesWritten()
        {
            return s().bytesWritten();
        }

        @Override
        public long getSystemCalls()
        {
            return s().systemCalls();
        }

        @Override
        public long getSubmitCalls()
        {
            return s().submitCalls();
        }

        @Override
        public long getWaitCalls()
        {
            return s().waitCalls();
        }

        @Override
        public long getWakeups()
        {
            return s().wakeups();
        }

        @Override
        public double getSystemCallsPerIo()
        {
            return s().systemCallsPerIo();
        }

        @Override
        public long getBatches()
        {
            return s().batches();
        }

        @Override
        public double getMeanBatchSize()
        {
            return s().meanBatchSize();
        }

        @Override
        public long getQueueFullWaits()
        {
            return s().queueFullWaits();
        }

        @Override
        public long getQueueFullRejections()
        {
            return s().queueFullRejections();
        }

        @Override
        public long getAgentSleeps()
        {
            return s().agentSleeps();
        }

        @Override
        public long getSyncsIssued()
        {
            return s().syncsIssued();
        }

        @Override
        public long getBarriersCompleted()
        {
            return s().barriersCompleted();
        }

        @Override
        public double getCommitsPerSync()
        {
            return s().commitsPerSync();
        }
    }
}
