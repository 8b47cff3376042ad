package dev.pageio.core;

import jdk.jfr.Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.List;

/**
 * pageio's JDK Flight Recorder events, for an application that records them in code. The events, all in the
 * {@code dev.pageio} category:
 *
 * <ul>
 *   <li>{@code pageio.Read}, {@code pageio.Write}: one request from its submitting call to its completion (path,
 *   offset, size, bytes, engine, ring, errno on failure); threshold 20 ms.</li>
 *   <li>{@code pageio.Sync}: an fsync/fdatasync a barrier issued (writes covered) or a plain one; 20 ms.</li>
 *   <li>{@code pageio.Barrier}: a barrier from submission to its end (covered sequence number, barriers completed
 *   by the same sync, syncs it cost, outcome); 20 ms.</li>
 *   <li>{@code pageio.QueueFull}: a submitter's wait for a free slot (or its refusal); every one.</li>
 *   <li>{@code pageio.RingStatistics}: each open ring's {@link RingStats}, every second.</li>
 * </ul>
 *
 * <p>They are enabled by default (like the JDK's file events), so any recording shows slow I/O. When disabled, a
 * request costs one flag check and allocates nothing.
 */
public final class PageioJfr
{
    /** The class-path resource of pageio's settings file. */
    public static final String JFC_RESOURCE = "/dev/pageio/core/pageio.jfc";
    /** The names of the per-request events, whose threshold a recording may set. */
    public static final List<String> REQUEST_EVENTS = List.of("pageio.Read", "pageio.Write", "pageio.Sync",
        "pageio.Barrier");

    private PageioJfr()
    {
    }

    /**
     * @return pageio's settings ({@code pageio.jfc}), e.g. for
     * {@code new Recording(PageioJfr.configuration())}.
     * @throws IOException    when the resource cannot be read.
     * @throws ParseException when it is not a valid settings file.
     */
    public static Configuration configuration() throws IOException, ParseException
    {
        try (InputStream in = PageioJfr.class.getResourceAsStream(JFC_RESOURCE))
        {
            if (in == null)
            {
                throw new IOException("resource missing: " + JFC_RESOURCE);
            }
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8))
            {
                return Configuration.create(reader);
            }
        }
    }
}
