package io.jublk.core.queue;

import static io.jublk.core.queue.TagState.ABORTED;
import static io.jublk.core.queue.TagState.COMPLETED;
import static io.jublk.core.queue.TagState.COPYING;
import static io.jublk.core.queue.TagState.FETCHING;
import static io.jublk.core.queue.TagState.HELD;
import static io.jublk.core.queue.TagState.IDLE;
import static io.jublk.core.queue.TagState.SERVING;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.Test;

/** The tag life cycle as a table: every path the queue runner takes is legal, every other move is not. */
public class TagStateTest {

    @Test
    public void thePathsOfEachDataTransferAreLegal() {
        walk(IDLE, FETCHING, SERVING, COMPLETED, FETCHING, ABORTED);            // copy mode, zero copy
        walk(FETCHING, COPYING, SERVING, COMPLETED, FETCHING);                  // USER_COPY WRITE: data in first
        walk(FETCHING, SERVING, COMPLETED, COPYING, FETCHING);                  // USER_COPY READ: data out after
        walk(FETCHING, COPYING, FETCHING);                                      // a failed copy commits the error
    }

    @Test
    public void thePathsOfATargetSwapAreLegal() {
        walk(FETCHING, SERVING, HELD, SERVING, COMPLETED, FETCHING);            // held, then the new target
        walk(FETCHING, SERVING, HELD, COMPLETED, FETCHING);                     // held, then failed by policy
        walk(FETCHING, SERVING, HELD, COPYING, SERVING, COMPLETED, FETCHING);   // a new target without registered buffers
    }

    @Test
    public void nothingElseIs() {
        assertEquals(EnumSet.of(FETCHING), next(IDLE));
        assertEquals(EnumSet.of(SERVING, COPYING, ABORTED), next(FETCHING));
        assertEquals(EnumSet.of(SERVING, FETCHING), next(COPYING));
        assertEquals(EnumSet.of(COMPLETED, HELD), next(SERVING));
        assertEquals(EnumSet.of(SERVING, COMPLETED, COPYING), next(HELD));
        assertEquals(EnumSet.of(FETCHING, COPYING), next(COMPLETED));
        assertEquals(EnumSet.noneOf(TagState.class), next(ABORTED));
    }

    private static Set<TagState> next(TagState from) {
        Set<TagState> out = EnumSet.noneOf(TagState.class);
        for (TagState to : TagState.values()) {
            if (from.canBecome(to)) {
                out.add(to);
            }
        }
        return out;
    }

    private static void walk(TagState... path) {
        List<TagState> steps = List.of(path);
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i - 1) + " -> " + steps.get(i), steps.get(i - 1).canBecome(steps.get(i)));
        }
    }
}
