/**
 * pageio's public API: {@link dev.pageio.core.IoRing} (one engine context and its agent),
 * {@link dev.pageio.core.IoFile} (submit from any thread), {@link dev.pageio.core.IoRequest} (the POSIX AIO
 * contract: status, await, cancel, batches), {@link dev.pageio.core.IoHandler} (allocation-free completion on the
 * agent thread), {@link dev.pageio.core.IoFailure} (operating errors as data).
 *
 * <p>Layout (the rule: API objects point down to machinery; machinery never names an API object). The floors,
 * top to bottom: the API ({@code IoRing}, {@code IoFile}, {@code IoRequest}); {@code Submission} (the one way in:
 * checks, slot, fill, publish, wake); {@code RingDriver} (who runs the agent: Agrona {@code AgentRunner} or
 * {@code AgentInvoker}, waiting threads that help); {@code RingAgent} (the duty cycle, an Agrona {@code Agent});
 * {@code BarrierTracker}, {@code FileState}, {@code Slot} and the thread engine; the SPI ({@code spi}); the
 * configuration and the leaves ({@code RingConfig}, {@code IoOp}, {@code Errno}). {@code IoRing} builds the
 * machinery and hands each piece what it needs (queues, slots, the files' states, callbacks), so only the pairs
 * IoRing/IoFile and IoRing/IoRequest know each other.
 */
package dev.pageio.core;
