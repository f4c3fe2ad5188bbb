package io.jublk.target;

/** What a queue handler may know about the queue it serves. */
public interface QueueContext {
    int deviceId();

    int queueId();

    int queueDepth();

    /** The largest request, in bytes, this queue hands out. */
    int maxIoBytes();
}
