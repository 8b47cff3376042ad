/**
 * The io_uring engine: {@link dev.pageio.linux.uring.UringEngine} (probing, selection) and
 * {@link dev.pageio.linux.uring.UringBackend} (one ring: SQEs written and CQEs read from Java over the mmap'd
 * rings, with acquire/release on head and tail). The {@code *Descriptor} classes hold the offsets of the
 * kernel structs ({@code /usr/include/linux/io_uring.h}). A backend is owned by its ring agent thread; only
 * {@code wakeup()} may be called from other threads.
 */
package dev.pageio.linux.uring;
