package dev.pageio.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RingConfigBarrierTest
{
    @Test
    void shouldDefaultToTheNamedNumberOfSyncsInFlight()
    {
        assertEquals(RingConfig.DEFAULT_BARRIER_SYNCS_IN_FLIGHT_MAX, RingConfig.defaults().barrierSyncsInFlightMax());
        assertEquals(4, RingConfig.builder().barrierSyncsInFlightMax(4).build().barrierSyncsInFlightMax());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, RingConfig.BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT + 1})
    void shouldRejectSyncsInFlightOutOfRangeNamingTheValue(final int syncsInFlightMax)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RingConfig.builder().barrierSyncsInFlightMax(syncsInFlightMax).build());
        assertEquals("barrierSyncsInFlightMax out of range: barrierSyncsInFlightMax=" + syncsInFlightMax + " range=1.." +
            RingConfig.BARRIER_SYNCS_IN_FLIGHT_MAX_LIMIT, e.getMessage());
    }
}
