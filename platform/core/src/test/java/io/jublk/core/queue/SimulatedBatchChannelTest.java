package io.jublk.core.queue;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;

import io.jublk.core.uapi.BatchIo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.IoOp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;

/**
 * What {@link BatchChannel} sends and how the queue's tags go through it, against a simulated ublk driver
 * with UBLK_F_BATCH_IO (the core's state machine only; the kernel test judges the real driver).
 */
public class SimulatedBatchChannelTest {
    private static final int LENGTH = 4096;
    @Rule
    public final SimulatedDriverRule sim = new SimulatedDriverRule();

    @Test
    public void tagsArePreppedOnceFetchedInBatchesAndCommittedWithoutPerTagCommands() throws Exception {
        roundTrip(Feature.BATCH_IO.mask());
    }

    @Test
    public void userCopyGoesThroughTheSameBatches() throws Exception {
        roundTrip(Feature.BATCH_IO.mask() | Feature.USER_COPY.mask());
    }

    private void roundTrip(long flags) throws Exception {
        Path file = sim.backingFile("batch", LENGTH * 8);
        SimulatedUblkDriver driver = sim.driver(4, 1L << 20, flags);
        QueueRunner q = driver.start(new FileTarget(file), (queue, cause) -> { });
        List<byte[]> written = new ArrayList<>();
        for (int tag = 0; tag < 4; tag++) {
            byte[] data = new byte[LENGTH];
            java.util.Arrays.fill(data, (byte) (tag + 1));
            written.add(data);
            driver.request(tag, IoOp.WRITE, (long) tag * 8, LENGTH / 512, 0, data);
        }
        for (int i = 0; i < 4; i++) {
            SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
            assertNotNull("every write is committed", c);
            assertEquals(LENGTH, c.result());
        }
        for (int tag = 0; tag < 4; tag++) {
            driver.request(tag, IoOp.READ, (long) tag * 8, LENGTH / 512, 0, null);
        }
        for (int i = 0; i < 4; i++) {
            SimulatedUblkDriver.Commit c = driver.awaitCommit(5000);
            assertArrayEquals("tag " + c.tag() + " reads back what it wrote", written.get(c.tag()), c.data());
        }
        List<Integer> sent = new ArrayList<>(driver.batch.sent);
        assertEquals("one PREP for the queue's tags, then the multishot fetch", List.of(BatchIo.PREP_IO_CMDS,
                BatchIo.FETCH_IO_CMDS), sent.subList(0, 2));
        assertEquals("the fetch stays armed", 1, sent.stream().filter(op -> op == BatchIo.FETCH_IO_CMDS).count());
        assertFalse("eight answers in at most eight commits",
                sent.stream().filter(op -> op == BatchIo.COMMIT_IO_CMDS).count() > 8);
        assertEquals(TagState.FETCHING, q.state(0));
    }
}
