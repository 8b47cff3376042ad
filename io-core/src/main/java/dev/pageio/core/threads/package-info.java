/**
 * The portable thread-pool engine. Its backend is driven by the ring agent; its worker threads run the blocking
 * positional calls and hand results back through an MPSC queue.
 */
package dev.pageio.core.threads;
