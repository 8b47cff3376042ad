/**
 * pageio's public API: {@link dev.pageio.core.IoRing} (one engine context and its agent),
 * {@link dev.pageio.core.IoFile} (submit from any thread), {@link dev.pageio.core.IoRequest} (the POSIX AIO
 * contract: status, await, cancel, batches), {@link dev.pageio.core.IoHandler} (allocation-free completion on the
 * agent thread), {@link dev.pageio.core.IoFailure} (operating errors as data).
 */
package dev.pageio.core;
