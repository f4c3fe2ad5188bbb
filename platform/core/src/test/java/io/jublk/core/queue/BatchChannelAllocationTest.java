package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.uapi.BatchIo;
import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.IoUring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.Test;

/**
 * {@link BatchChannel}'s steady state allocates nothing: commits collected and flushed, their completions,
 * and fetch completions that hand tags over and give their buffer back. The driver's side is a stub here
 * (no ring): what is measured is the channel's own bookkeeping on the queue thread.
 */
public class BatchChannelAllocationTest {
    private static final int DEPTH = 64;

    @Test
    public void commitsAndFetchesAllocateNothing() throws Exception {
        StubBatchChannel channel = new StubBatchChannel(new QueueSpec(0, 0, DEPTH, 512 << 10, 1 << 20, 0));
        channel.open();
        int[] served = new int[1];
        UblkChannel.Commands commands = (tag, res) -> {
            if (res == IoCmd.RES_OK) {
                served[0]++;
            }
        };
        for (int tag = 0; tag < DEPTH; tag++) {
            channel.queueCommand(null, IoCmd.FETCH_REQ, tag, 0, 0x1000L * (tag + 1));
        }
        channel.flush(null);
        channel.batchCompleted(channel.lastUserData, 0, 0, commands); // PREP done
        channel.flush(null); // arms the fetch
        long fetch = UserData.batch(UserData.BATCH_FETCH, 0);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = 0;
        int rounds = 60_000;
        for (int round = 0; round < rounds; round++) {
            if (round == rounds / 2) {
                before = threads.getCurrentThreadAllocatedBytes();
            }
            // the kernel hands 32 tags over, the queue answers them, the commit completes
            int first = (round % 2) * 32;
            int id = round % BatchChannel.FETCH_BUFFERS;
            MemorySegment buffer = channel.fetchBuffer(id);
            for (int i = 0; i < 32; i++) {
                buffer.set(ValueLayout.JAVA_SHORT, 2L * i, (short) (first + i));
            }
            channel.batchCompleted(fetch, 64, IoUring.CQE_F_MORE | IoUring.CQE_F_BUFFER | id << IoUring.CQE_BUFFER_SHIFT,
                    commands);
            for (int i = 0; i < 32; i++) {
                channel.queueCommand(null, IoCmd.COMMIT_AND_FETCH_REQ, first + i, 4096, 0x1000L * (first + i + 1));
            }
            channel.flush(null);
            assertEquals(32, channel.lastCount);
            channel.batchCompleted(channel.lastUserData, 32 * channel.elemBytes, 0, commands);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(rounds * 32, served[0]);
        assertEquals(BatchChannel.FETCH_BUFFERS + rounds, channel.provided);
        assertEquals(BatchIo.elemBytes(BatchIo.F_HAS_BUF_ADDR), channel.elemBytes);
        // One object per request would be megabytes; a JIT transition may cost a few bytes once.
        assertTrue("bytes allocated by " + rounds / 2 * 32 + " requests: " + allocated, allocated < 1024);
        channel.close();
    }
}
