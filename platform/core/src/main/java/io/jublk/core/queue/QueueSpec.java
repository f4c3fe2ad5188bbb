package io.jublk.core.queue;

/**
 * What a queue thread needs to know about its device.
 *
 * @param deviceId      N of /dev/ublkcN
 * @param queueId       the hardware queue this thread serves
 * @param depth         tags in the queue
 * @param maxIoBytes    the largest request (max_io_buf_bytes), also each tag's buffer size
 * @param deviceSectors the disk size in 512-byte sectors, for checking descriptors
 */
public record QueueSpec(int deviceId, int queueId, int depth, int maxIoBytes, long deviceSectors) {
}
