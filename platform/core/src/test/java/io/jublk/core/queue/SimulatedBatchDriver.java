package io.jublk.core.queue;

import io.jublk.core.uapi.BatchIo;
import io.jublk.core.uapi.IoCmd;
import io.jublk.uring.BufferRing;
import io.jublk.uring.CompletionHandler;
import io.jublk.uring.IoUring;
import io.jublk.uring.Ring;
import io.jublk.uring.sys.Errno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated ublk driver with UBLK_F_BATCH_IO, for the core's state machine only: the real
 * {@link BatchChannel} (its element arrays, fetch buffers and what it tells the queue per tag), with the
 * kernel's side played by {@link SimulatedUblkDriver}'s per-tag model. A PREP element becomes that model's
 * FETCH_REQ, a COMMIT element its COMMIT_AND_FETCH_REQ (a refusal ends the commit there, as the kernel's
 * partial commit does), and the tags its fetches hand over go out as multishot fetch completions through
 * the buffers the channel provided. What it claims about the kernel the kernel tests judge in the VM.
 */
final class SimulatedBatchDriver extends BatchChannel {
    private record Cqe(long userData, int res, int flags) {
    }

    private final SimulatedUblkDriver kernel;
    private final ArrayDeque<Integer> providedBuffers = new ArrayDeque<>();
    private final List<Cqe> cqes = new ArrayList<>();
    /** Tags with a request, waiting for the fetch to hand them over. */
    private final List<Integer> fetchedTags = new ArrayList<>();
    private boolean fetchArmed;
    private boolean aborted;
    /** Batch commands the channel sent, by opcode, for tests. */
    final List<Integer> sent = new ArrayList<>();

    SimulatedBatchDriver(SimulatedUblkDriver kernel) {
        super(kernel.spec, -1);
        this.kernel = kernel;
    }

    @Override
    MemorySegment mapDescriptors(Arena memory) {
        return kernel.descriptors();
    }

    @Override
    BufferRing registerFetchBuffers(Ring ring) {
        return null;
    }

    @Override
    void provideFetchBuffer(int id) {
        providedBuffers.add(id);
    }

    @Override
    void issue(Ring ring, int cmdOp, long userData, MemorySegment elems, int count) {
        sent.add(cmdOp);
        int refusal = 0;
        int handled = 0;
        for (; handled < count; handled++) {
            int tag = BatchIo.elemTag(elems, handled, elemBytes);
            int before = kernel.refused().size();
            kernel.queueCommand(ring, cmdOp == BatchIo.PREP_IO_CMDS ? IoCmd.FETCH_REQ : IoCmd.COMMIT_AND_FETCH_REQ,
                    tag, BatchIo.elemResult(elems, handled, elemBytes),
                    BatchIo.elemBufferAddress(elems, handled, elemBytes));
            if (kernel.refused().size() > before) {
                refusal = -Errno.EINVAL.number();
                break;
            }
        }
        int res = handled == count ? (cmdOp == BatchIo.PREP_IO_CMDS ? 0 : count * elemBytes)
                : handled == 0 ? refusal : handled * elemBytes;
        cqes.add(new Cqe(userData, res, 0));
        kernel.wake(); // the completion comes at the queue's next turn, as the ring's would
    }

    @Override
    void issueFetch(Ring ring) {
        sent.add(BatchIo.FETCH_IO_CMDS);
        fetchArmed = true;
    }

    @Override
    public int commandsOnlyExitEnds() {
        return 0; // this driver's fetch is not on the ring: the ring's close waits for everything on it
    }

    @Override
    public void deliver(CompletionHandler handler) {
        kernel.deliver((userData, res, flags) -> {
            if (res == IoCmd.RES_OK) {
                fetchedTags.add(UserData.tag(userData));
            } else if (res == -Errno.ENODEV.number()) {
                aborted = true;
            } // a refusal went back as the commit's partial result
        });
        for (Cqe c : cqes) {
            handler.onCompletion(c.userData(), c.res(), c.flags());
        }
        cqes.clear();
        long fetch = UserData.batch(UserData.BATCH_FETCH, 0);
        int next = 0;
        while (fetchArmed && next < fetchedTags.size() && !providedBuffers.isEmpty()) {
            int id = providedBuffers.poll();
            MemorySegment buffer = fetchBuffer(id);
            int n = Math.min(fetchedTags.size() - next, FETCH_BUFFER_BYTES / BatchIo.FETCH_ELEM_BYTES);
            for (int i = 0; i < n; i++) {
                buffer.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 2L * i, (short) (int) fetchedTags.get(next + i));
            }
            next += n;
            handler.onCompletion(fetch, n * BatchIo.FETCH_ELEM_BYTES,
                    IoUring.CQE_F_MORE | IoUring.CQE_F_BUFFER | id << IoUring.CQE_BUFFER_SHIFT);
        }
        // the rest wait, as in the kernel's queue, for the fetch to be armed or a buffer to come back
        fetchedTags.subList(0, next).clear();
        if (aborted && fetchArmed) {
            fetchArmed = false;
            handler.onCompletion(fetch, -Errno.ENODEV.number(), 0);
        }
    }
}
