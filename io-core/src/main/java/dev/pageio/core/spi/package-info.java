/**
 * The engine SPI: what an engine implements ({@link dev.pageio.core.spi.IoEngine},
 * {@link dev.pageio.core.spi.RingBackend}) and the request slot it receives
 * ({@link dev.pageio.core.spi.Request}, its operation a {@link dev.pageio.core.spi.RequestOp}), opened with a
 * {@link dev.pageio.core.spi.BackendConfig}. The package names nothing of {@code dev.pageio.core}: the ring maps its
 * own types onto these. A backend is owned by its ring's agent thread; only
 * {@link dev.pageio.core.spi.RingBackend#wakeup()} may be called from other threads.
 */
package dev.pageio.core.spi;
