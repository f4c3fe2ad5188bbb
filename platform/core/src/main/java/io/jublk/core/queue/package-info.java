/** Queue threads: one platform thread per hardware queue, its ring, and the per-tag I/O state machine. */
package io.jublk.core.queue;
