/**
 * Test support shared by pageio's modules: {@link dev.pageio.testing.EngineConformanceTest}, the one suite every
 * engine passes (each engine's module extends it in the {@code @Nested} shape), and the simulated device in
 * {@code dev.pageio.testing.sim}. For test scope only.
 */
package dev.pageio.testing;
