package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.jublk.core.uapi.BatchIo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.IoUring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * {@link BatchChannel}'s bookkeeping with made-up completions (no kernel, no ring): what a partial commit, a
 * fetch that ends, a skipped tag and the element layouts of each data transfer turn into, per tag.
 */
public class BatchChannelTest {
    private static final int DEPTH = 8;
    private static final int ENODEV = -19;
    private final List<int[]> reported = new ArrayList<>();
    private final UblkChannel.Commands commands = (tag, res) -> reported.add(new int[] {tag, res});
    private StubBatchChannel channel;

    @Before
    public void setUp() throws Exception {
        channel = started(0);
    }

    @After
    public void tearDown() {
        channel.close();
    }

    private StubBatchChannel started(long flags) throws Exception {
        StubBatchChannel c = new StubBatchChannel(new QueueSpec(0, 2, DEPTH, 512 << 10, 1 << 20, flags));
        c.open();
        for (int tag = 0; tag < DEPTH; tag++) {
            c.queueCommand(null, IoCmd.FETCH_REQ, tag, 0, c.spec.kernelCopies() ? 0x10_0000L * (tag + 1) : 0);
        }
        c.flush(null);
        assertEquals(BatchIo.PREP_IO_CMDS, c.lastCmdOp);
        assertEquals(DEPTH, c.lastCount);
        assertEquals("no fetch before the tags are prepped", 0, c.fetches);
        c.batchCompleted(c.lastUserData, 0, 0, commands);
        c.flush(null);
        assertEquals(1, c.fetches);
        assertEquals(BatchChannel.FETCH_BUFFERS, c.provided);
        return c;
    }

    private void fetch(int id, int... tags) {
        MemorySegment buffer = channel.fetchBuffer(id);
        for (int i = 0; i < tags.length; i++) {
            buffer.set(ValueLayout.JAVA_SHORT, 2L * i, (short) tags[i]);
        }
        channel.batchCompleted(UserData.batch(UserData.BATCH_FETCH, 0), tags.length * 2,
                IoUring.CQE_F_MORE | IoUring.CQE_F_BUFFER | id << IoUring.CQE_BUFFER_SHIFT, commands);
    }

    @Test
    public void fetchedTagsAreNewRequestsAndTheBufferGoesBack() {
        fetch(3, 5, BatchIo.UNUSED_TAG, 1);
        assertEquals(2, reported.size());
        assertEquals(List.of(5, 1), reported.stream().map(r -> r[0]).toList());
        assertTrue(reported.stream().allMatch(r -> r[1] == IoCmd.RES_OK));
        assertEquals(BatchChannel.FETCH_BUFFERS + 1, channel.provided);
        fetch(4, 5);
        assertEquals("a tag the kernel does not have is not handed on twice", 2, reported.size());
    }

    @Test
    public void aPartialCommitReportsTheRefusedTagAndSendsTheRestAgain() {
        fetch(0, 0, 1, 2, 3);
        reported.clear();
        for (int tag = 0; tag < 4; tag++) {
            channel.queueCommand(null, IoCmd.COMMIT_AND_FETCH_REQ, tag, 4096 + tag, 0);
        }
        channel.flush(null);
        assertEquals(BatchIo.COMMIT_IO_CMDS, channel.lastCmdOp);
        assertEquals(4, channel.lastCount);
        assertEquals(4097, BatchIo.elemResult(channel.lastElems, 1, channel.elemBytes));
        // the kernel took tags 0 and 1, refused tag 2, and never looked at tag 3
        channel.batchCompleted(channel.lastUserData, 2 * channel.elemBytes, 0, commands);
        assertEquals(1, reported.size());
        assertEquals(2, reported.get(0)[0]);
        assertTrue("a refusal, not a new request", reported.get(0)[1] < 0);
        channel.flush(null);
        assertEquals("tag 3 goes out again as it was", 1, channel.lastCount);
        assertEquals(3, BatchIo.elemTag(channel.lastElems, 0, channel.elemBytes));
        assertEquals(4099, BatchIo.elemResult(channel.lastElems, 0, channel.elemBytes));
        channel.batchCompleted(channel.lastUserData, channel.elemBytes, 0, commands);
        assertEquals("a whole commit reports nothing", 1, reported.size());
    }

    @Test
    public void aFetchEndedByTheKernelAbortsEveryTagItHasAndEachCommitStillOut() {
        fetch(0, 6);
        reported.clear();
        channel.queueCommand(null, IoCmd.COMMIT_AND_FETCH_REQ, 6, 512, 0);
        channel.flush(null);
        long commit = channel.lastUserData;
        channel.batchCompleted(UserData.batch(UserData.BATCH_FETCH, 0), ENODEV, 0, commands);
        assertEquals("the 7 tags the kernel has are aborted; tag 6 waits for its commit", DEPTH - 1, reported.size());
        assertTrue(reported.stream().allMatch(r -> r[1] == ENODEV && r[0] != 6));
        channel.batchCompleted(commit, channel.elemBytes, 0, commands);
        assertEquals(DEPTH, reported.size());
        assertEquals(6, reported.get(DEPTH - 1)[0]);
        assertEquals(ENODEV, reported.get(DEPTH - 1)[1]);
        int fetches = channel.fetches;
        channel.flush(null);
        assertEquals("a dead fetch is not armed again", fetches, channel.fetches);
    }

    @Test
    public void aFetchThatRanOutOfBuffersIsArmedAgain() {
        channel.batchCompleted(UserData.batch(UserData.BATCH_FETCH, 0), -105, 0, commands); // ENOBUFS
        assertTrue(reported.isEmpty());
        channel.flush(null);
        assertEquals(2, channel.fetches);
    }

    @Test
    public void elementsCarryTheBufferInCopyModeAndTheTagAsBufferIndexInZeroCopy() throws Exception {
        StubBatchChannel copy = started(0);
        assertEquals(16, copy.elemBytes);
        assertEquals(BatchIo.F_HAS_BUF_ADDR, copy.batchFlags);
        copy.close();
        StubBatchChannel zeroCopy = started(Feature.AUTO_BUF_REG.mask() | Feature.USER_COPY.mask());
        assertEquals(8, zeroCopy.elemBytes);
        assertEquals(BatchIo.F_AUTO_BUF_REG_FALLBACK, zeroCopy.batchFlags);
        zeroCopy.close();
        StubBatchChannel userCopy = new StubBatchChannel(new QueueSpec(0, 0, DEPTH, 512 << 10, 1 << 20,
                Feature.USER_COPY.mask()));
        assertEquals(8, userCopy.elemBytes);
        assertEquals(0, userCopy.batchFlags);
    }

    @Test
    public void buffersTheKernelMayStillUseOutliveAnUncleanClose() throws Exception {
        StubBatchChannel kept = started(0);
        kept.keepMemory(); // the ring closed with the fetch still in the kernel
        kept.close();
        kept.fetchBuffer(0).set(ValueLayout.JAVA_SHORT, 0, (short) 1); // still mapped: the kernel may write it
        StubBatchChannel freed = started(0);
        freed.close();
        try {
            freed.fetchBuffer(0).set(ValueLayout.JAVA_SHORT, 0, (short) 1);
            throw new AssertionError("a clean close frees the fetch buffers");
        } catch (IllegalStateException expected) {
            // the arena is closed
        }
    }
}
