package io.jublk.core.queue;

import io.jublk.core.uapi.IoDesc;
import io.jublk.uring.BufferRing;
import io.jublk.uring.Ring;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A {@link BatchChannel} whose driver side is a stub (no ring, no kernel): it records what would be sent,
 * so tests can drive the channel's bookkeeping with made-up completions.
 */
class StubBatchChannel extends BatchChannel {
    long lastUserData;
    int lastCmdOp;
    int lastCount;
    MemorySegment lastElems;
    int sends;
    int fetches;
    int provided;
    private final Arena arena = Arena.ofConfined();

    StubBatchChannel(QueueSpec spec) {
        super(spec, -1);
    }

    @Override
    MemorySegment mapDescriptors(Arena memory) {
        return arena.allocate(IoDesc.SIZE * spec.depth(), 8);
    }

    @Override
    BufferRing registerFetchBuffers(Ring ring) {
        return null;
    }

    @Override
    void provideFetchBuffer(int id) {
        provided++;
    }

    @Override
    void issue(Ring ring, int cmdOp, long userData, MemorySegment elems, int count) {
        lastUserData = userData;
        lastCmdOp = cmdOp;
        lastCount = count;
        lastElems = elems;
        sends++;
    }

    @Override
    void issueFetch(Ring ring) {
        fetches++;
    }

    @Override
    public void close() {
        super.close();
        arena.close();
    }
}
