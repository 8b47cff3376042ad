package dev.pageio.lucene;

import com.carrotsearch.randomizedtesting.ThreadFilter;

/**
 * Lets Lucene's thread-leak check ignore JNA's "JNA Cleaner": one daemon per JVM, started by JNA at its first
 * use and never stopped (com.sun.jna.internal.Cleaner). pageio's own threads (ring agents, workers) are still
 * checked: a directory must stop them when it closes.
 */
public final class JnaCleanerThreadFilter implements ThreadFilter
{
    @Override
    public boolean reject(final Thread t)
    {
        return "JNA Cleaner".equals(t.getName());
    }
}
