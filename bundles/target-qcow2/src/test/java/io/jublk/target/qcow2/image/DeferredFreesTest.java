package io.jublk.target.qcow2.image;

import static org.junit.Assert.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** The epochs of {@link DeferredFrees}, and counts taken before a sync that another flush overtakes. */
public class DeferredFreesTest {
    private final List<Long> freed = new ArrayList<>();
    private final DeferredFrees frees = new DeferredFrees();
    private final DeferredFrees.Sink sink = (offset, bytes) -> freed.add(offset);

    @Test
    public void aFreeWaitsOnlyForTheDirectIoStartedBeforeIt() throws Exception {
        int old = frees.begin();
        frees.add(1, 1);
        frees.release(frees.added(), sink);
        assertEquals("in grace while the older I/O runs", List.of(), freed);
        int newer = frees.begin(); // starts after the free: not waited for
        frees.end(old);
        frees.release(frees.added(), sink);
        assertEquals(List.of(1L), freed);
        frees.add(2, 1);
        frees.release(frees.added(), sink);
        assertEquals("waits for the newer I/O: it started before this free", List.of(1L), freed);
        frees.end(newer);
        frees.release(frees.added(), sink);
        assertEquals(List.of(1L, 2L), freed);
        assertEquals(0, frees.waiting());
    }

    @Test
    public void aFlushFreesOnlyWhatItsSyncCovered() throws Exception {
        frees.add(1, 1);
        long first = frees.added(); // one flush counts, then syncs
        frees.add(2, 1);
        long second = frees.added(); // a second flush counts, then syncs
        frees.add(3, 1); // after both counts: no sync covers it yet
        frees.release(second, sink); // the second flush's sync ends first
        assertEquals(List.of(1L, 2L), freed);
        frees.release(first, sink); // then the first: nothing new
        assertEquals(List.of(1L, 2L), freed);
        frees.release(frees.added(), sink);
        assertEquals(List.of(1L, 2L, 3L), freed);
    }
}
