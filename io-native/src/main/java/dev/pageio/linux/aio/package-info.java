/**
 * The kernel AIO engine ({@link dev.pageio.linux.aio.AioEngine}): io_setup/io_submit/io_getevents/io_cancel/
 * io_destroy by syscall number, iocbs in native memory, completions reaped from the mmap'd aio_ring in user
 * space. A backend ({@link dev.pageio.linux.aio.AioBackend}) is owned by its ring agent thread; only its
 * {@code wakeup()} may be called from other threads. O_DIRECT files only.
 */
package dev.pageio.linux.aio;
