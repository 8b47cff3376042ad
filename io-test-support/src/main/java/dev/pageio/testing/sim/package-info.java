/**
 * A deterministic simulated storage device behind the engine SPI (volatile cache, durable store, crashes,
 * injected faults), for the property tests of fsync barriers (BARRIER.md, "How to prove it"). A test injects it
 * with {@code IoRing.open(config, new SimulatedEngine(schedule))}; it is not registered with ServiceLoader.
 * The backend belongs to its ring's agent thread; see each class for the few methods other threads may call.
 */
package dev.pageio.testing.sim;
