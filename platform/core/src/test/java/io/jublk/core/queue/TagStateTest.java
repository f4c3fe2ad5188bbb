package io.jublk.core.queue;

import static io.jublk.core.queue.TagState.ABORTED;
import static io.jublk.core.queue.TagState.COMPLETED;
import static io.jublk.core.queue.TagState.COPYING;
import static io.jublk.core.queue.TagState.FETCHING;
import static io.jublk.core.queue.TagState.IDLE;
import static io.jublk.core.queue.TagState.SERVING;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.EnumSet;
import java.util.List;
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
    public void nothingElseIs() {
        int legal = 0;
        for (TagState from : TagState.values()) {
            for (TagState to : TagState.values()) {
                if (from.canBecome(to)) {
                    legal++;
                }
            }
        }
        assertEquals("IDLE 1, FETCHING 3, COPYING 2, SERVING 1, COMPLETED 2, ABORTED 0", 9, legal);
        for (TagState to : EnumSet.complementOf(EnumSet.of(COMPLETED))) {
            assertTrue(to + ": a target's request can only complete", !SERVING.canBecome(to));
        }
    }

    private static void walk(TagState... path) {
        List<TagState> steps = List.of(path);
        for (int i = 1; i < steps.size(); i++) {
            assertTrue(steps.get(i - 1) + " -> " + steps.get(i), steps.get(i - 1).canBecome(steps.get(i)));
        }
    }
}
