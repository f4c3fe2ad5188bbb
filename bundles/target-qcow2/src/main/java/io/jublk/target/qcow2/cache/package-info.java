/** Bounded caches for qcow2 metadata tables. */
package io.jublk.target.qcow2.cache;
