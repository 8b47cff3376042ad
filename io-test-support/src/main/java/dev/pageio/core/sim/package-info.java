/**
 * A deterministic simulated storage device behind the engine SPI (volatile cache, durable store, crashes,
 * injected faults) and the property tests of fsync barriers that run on it (BARRIER.md, "How to prove it").
 * The backend belongs to its ring's agent thread; see each class for the few methods other threads may call.
 */
package dev.pageio.core.sim;
