/**
 * io_uring for jublk over liburing through FFM: {@link io.jublk.uring.Ring} (one per owner thread),
 * {@link io.jublk.uring.Sqe} to fill submissions, {@link io.jublk.uring.CompletionHandler} to reap them,
 * {@link io.jublk.uring.Waker} to wake a ring's owner from other threads.
 */
@Export
@Version("0.1.0")
package io.jublk.uring;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
