package dev.pageio.linux;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinuxTest
{
    @Test
    void shouldReadTheSameAddressAsAWrappedBuffer()
    {
        final long memory = Linux.malloc(4096);
        assertTrue(memory != 0);
        try
        {
            final ByteBuffer wrapped = Linux.wrap(memory, 4096);
            assertEquals(memory, Linux.address(wrapped));
            wrapped.put(100, (byte)42);
            final ByteBuffer slice = Linux.wrap(memory + 100, 1);
            assertEquals(42, slice.get(0));
        }
        finally
        {
            Linux.free(memory);
        }
    }

    @Test
    void shouldGiveTheBaseAddressWhateverThePosition()
    {
        final long memory = Linux.malloc(3 * 4096);
        assertTrue(memory != 0);
        try
        {
            final ByteBuffer wrapped = Linux.wrap(memory, 3 * 4096);
            for (final int position : new int[] {0, 1, 4095, 4096, 8191, 3 * 4096})
            {
                wrapped.position(position);
                assertEquals(memory, Linux.address(wrapped), "position=" + position);
            }
            final ByteBuffer slice = wrapped.position(100).slice();
            slice.position(7);
            assertEquals(memory + 100, Linux.address(slice));
            final ByteBuffer allocated = ByteBuffer.allocateDirect(10_000);
            final long base = Linux.address(allocated);
            allocated.position(5000);
            assertEquals(base, Linux.address(allocated));
            assertEquals(base + 5000, Linux.address(allocated.slice()));
        }
        finally
        {
            Linux.free(memory);
        }
    }

    @Test
    void shouldRefuseTheAddressOfAHeapBuffer()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> Linux.address(ByteBuffer.allocate(16)));
        assertTrue(e.getMessage().contains("not direct"), e.getMessage());
    }

    @Test
    void shouldReturnNegativeErrnoFromAFailedCall()
    {
        assertEquals(-9, Linux.close(-1)); // EBADF
        assertEquals(-2, Linux.open("/nonexistent/pageio", Arch.O_RDONLY, 0)); // ENOENT
    }
}
