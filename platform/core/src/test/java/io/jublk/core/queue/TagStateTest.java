package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;

import java.util.EnumSet;
import java.util.Set;
import org.junit.Test;

public class TagStateTest {
    @Test
    public void onlyTheDocumentedTransitionsAreLegal() {
        assertEquals(EnumSet.of(TagState.FETCHING), next(TagState.IDLE));
        assertEquals(EnumSet.of(TagState.SERVING, TagState.ABORTED), next(TagState.FETCHING));
        assertEquals(EnumSet.of(TagState.COMPLETED, TagState.HELD), next(TagState.SERVING));
        assertEquals(EnumSet.of(TagState.SERVING, TagState.COMPLETED), next(TagState.HELD));
        assertEquals(EnumSet.of(TagState.FETCHING), next(TagState.COMPLETED));
        assertEquals(EnumSet.noneOf(TagState.class), next(TagState.ABORTED));
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
}
