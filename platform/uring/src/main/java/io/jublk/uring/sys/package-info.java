/**
 * A small Linux syscall facade over libc through FFM: files, block-device ioctls, mmap, eventfd,
 * prctl and page-aligned memory. Failures carry the errno as a typed {@link io.jublk.uring.sys.ErrnoException}.
 */
@Export
@Version("0.1.0")
package io.jublk.uring.sys;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
