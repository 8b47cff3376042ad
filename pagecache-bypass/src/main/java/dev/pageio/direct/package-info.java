/**
 * O_DIRECT files and page storage for storage engines.
 *
 * <ul>
 *   <li>{@link dev.pageio.direct.DirectFile}: a file opened {@code O_DIRECT | O_CLOEXEC} under a
 *   {@link dev.pageio.direct.DirectIoPolicy}, with its {@link dev.pageio.direct.Alignment} discovered at open
 *   (statx {@code STATX_DIOALIGN}, else the block device's logical block size, else the filesystem block
 *   size), preallocation, growth, truncation and directory sync. Blocking methods: any thread.</li>
 *   <li>{@link dev.pageio.direct.AlignedBufferPool}: a bounded pool of off-heap page buffers aligned for
 *   O_DIRECT; acquire and release from any thread, lock-free.</li>
 * </ul>
 *
 * <p>Native structs read here ({@code struct statx}, {@code struct statfs}) have their offsets in
 * {@link dev.pageio.direct.StatxDescriptor} and {@link dev.pageio.direct.StatfsDescriptor}.
 */
package dev.pageio.direct;
