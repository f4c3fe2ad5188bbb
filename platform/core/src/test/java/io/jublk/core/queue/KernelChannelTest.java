package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.Ring;
import io.jublk.uring.RingConfig;
import io.jublk.uring.sys.Linux;
import java.io.File;
import java.util.ArrayList;
import java.io.RandomAccessFile;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.Test;

/**
 * The kernel channel's count of per-tag commands in the kernel, which the ring's close does not wait for (no
 * cancel reaches a ublk uring_cmd). Natively, without a ublk driver: the commands go to a plain file, which
 * refuses them at once, so every completion the queue would see comes back.
 */
public class KernelChannelTest {

    @Test
    public void theCloseWaitsForNoTagWhoseCommandIsInTheKernel() throws Exception {
        File file = File.createTempFile("not-ublkc", ".bin");
        file.deleteOnExit();
        int fd = Linux.open(file.getPath(), Linux.O_RDWR | Linux.O_CLOEXEC);
        KernelChannel channel = new KernelChannel(new QueueSpec(0, 0, 4, 4096, 8, 0), fd);
        Ring ring = Ring.open(RingConfig.builder(8).build());
        try {
            ring.registerFiles(fd);
            assertEquals("nothing queued yet", 0, channel.armedTags());
            for (int tag = 0; tag < 4; tag++) {
                channel.queueCommand(ring, IoCmd.FETCH_REQ, tag, 0, 0);
            }
            channel.queueCommand(ring, IoCmd.COMMIT_AND_FETCH_REQ, 2, 0, 0); // a tag counts once
            assertEquals("every tag's command is out", 4, channel.armedTags());

            ring.submitAndWait(5);
            List<Integer> ended = new ArrayList<>();
            ring.drain((userData, res, flags) -> {
                assertTrue("a command: 0x" + Long.toHexString(userData), UserData.isCommand(userData));
                if (ended.size() < 3) { // the queue tells the channel of each command it sees complete
                    channel.commandEnded(UserData.tag(userData));
                    ended.add(UserData.tag(userData));
                }
            });
            assertEquals(3, ended.size());
            int left = 4 - (int) ended.stream().distinct().count();
            assertEquals("what was not seen completing is still the kernel's", left, channel.armedTags());

            for (int tag = 0; tag < 4; tag++) {
                channel.commandEnded(tag); // an abort, a refusal or a new request: the command is back
            }
            assertEquals(0, channel.armedTags());
            channel.queueCommand(ring, IoCmd.COMMIT_AND_FETCH_REQ, 1, 0, 0);
            assertEquals("a commit re-arms its tag", 1, channel.armedTags());
        } finally {
            ring.close();
            Linux.close(fd);
        }
    }

    @Test
    public void aQueueWhoseCommandsAllCameBackWaitsForWhatItsCloseCancels() throws Exception {
        // a plain file stands for /dev/ublkcN: its descriptors map, and it refuses every command (twice), so
        // every tag goes out of service and the queue ends with none of its commands left in the kernel
        File file = File.createTempFile("not-ublkc", ".bin");
        file.deleteOnExit();
        try (RandomAccessFile f = new RandomAccessFile(file, "rw")) {
            f.setLength(1 << 20);
        }
        int fd = Linux.open(file.getPath(), Linux.O_RDWR | Linux.O_CLOEXEC);
        try {
            QueueRunner q = new QueueRunner(new QueueSpec(0, 0, 4, 4096, 8, 0), fd, null, (queue, cause) -> { });
            q.start();
            q.finished().get(10, TimeUnit.SECONDS);
            assertTrue("the ring closed with nothing in flight", q.ring().closedCleanly());
            assertTrue(q.letGo());
        } finally {
            Linux.close(fd);
        }
    }
}
