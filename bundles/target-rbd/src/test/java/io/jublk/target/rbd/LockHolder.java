package io.jublk.target.rbd;

import io.jublk.target.IoOperation;
import io.jublk.target.IoRequest;
import io.jublk.target.QueueContext;
import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import io.jublk.target.TargetQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A second jublk process for {@link RbdLockTest}: {@code LockHolder CONF IMAGE} opens a writable rbd disk on
 * rbd/IMAGE, writes 4 KiB of 0x5a at offset 0, prints "HOLDING" and waits to be killed; if the open is
 * refused it prints "REFUSED: message" and exits 3.
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        RbdTarget target;
        try {
            target = (RbdTarget) new RbdTargetFactory().open(new TargetOptions(Map.of("conf", args[0], "pool", "rbd",
                    "image", args[1])));
        } catch (TargetException e) {
            System.out.println("REFUSED: " + e.getMessage());
            System.exit(3);
            return;
        }
        TargetQueue q = target.openQueue(new QueueContext() {
            public int deviceId() { return 0; }
            public int queueId() { return 0; }
            public int queueDepth() { return 1; }
            public int maxIoBytes() { return 4096; }
            public long userData(long cookie) { return cookie; }
        });
        MemorySegment buf = Arena.global().allocate(4096, 4096);
        buf.fill((byte) 0x5a);
        CountDownLatch done = new CountDownLatch(1);
        int[] result = {0};
        q.submit(new IoRequest() {
            public IoOperation operation() { return IoOperation.WRITE; }
            public boolean forceUnitAccess() { return false; }
            public boolean noUnmap() { return false; }
            public long offset() { return 0; }
            public int length() { return 4096; }
            public MemorySegment buffer() { return buf; }
            public int queueId() { return 0; }
            public int tag() { return 0; }
            public void complete(int r) {
                result[0] = r;
                done.countDown();
            }
        });
        done.await();
        System.out.println(result[0] == 4096 ? "HOLDING" : "WRITE FAILED " + result[0]);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
