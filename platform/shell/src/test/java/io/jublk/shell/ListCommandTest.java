package io.jublk.shell;

import static org.junit.Assert.assertEquals;

import java.util.BitSet;
import org.junit.Test;

public class ListCommandTest {

    @Test
    public void cpusAreListedLikeTheReferenceServer() {
        BitSet set = new BitSet();
        assertEquals("", ListCommand.cpus(set));
        set.set(0);
        set.set(1);
        set.set(5);
        assertEquals("0 1 5 ", ListCommand.cpus(set));
    }
}
