/**
 * Linux system calls through JNA direct mapping ({@link dev.pageio.linux.Linux}) and per-architecture
 * constants ({@link dev.pageio.linux.Arch}). Stateless and thread-safe. Subpackages hold the engines:
 * {@code uring} (io_uring) and {@code aio} (kernel AIO).
 */
package dev.pageio.linux;
