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
        final ByteBuffer buffer = ByteBuffer.allocateDirect(4096);
        final long base = Linux.address(buffer);
        buffer.position(100).limit(200);
        assertEquals(base, Linux.address(buffer));
        final ByteBuffer slice = buffer.slice();
        assertEquals(base + 100, Linux.address(slice));
        slice.position(7);
        assertEquals(base + 100, Linux.address(slice));
        assertEquals(100, buffer.position(), "position untouched");
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
