package io.jublk.core.queue;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

/**
 * The attachments' bookkeeping alone, without a ring or a queue thread: generations, revoked attachments and
 * the queue's end. The hand-over itself is tested end to end by {@link SimulatedHandOverTest}.
 */
public class TargetSlotsTest {
    private final TargetSlots slots = new TargetSlots(null, new QueueSpec(1, 0, 4, 4096, 1 << 20, 0));

    @Test
    public void aRevokedAttachmentKeepsItsGenerationUntilReleased() {
        TargetSlot old = slots.next();
        slots.attach(old);
        old.operations = 1;
        slots.revoke(old);
        assertNull(slots.current());
        for (int i = 0; i < 2 * UserData.GENERATIONS; i++) {
            // a completion of the old target must never find a newer attachment
            assertNotEquals(old.generation, slots.next().generation);
        }
        assertSame(old, slots.slotOf(old.generation));
        old.operations = 0;
        slots.release(old);
        assertTrue(old.released.isDone());
        assertNull(slots.slotOf(old.generation));
        boolean reused = false;
        for (int i = 0; i < UserData.GENERATIONS && !reused; i++) {
            reused = slots.next().generation == old.generation;
        }
        assertTrue("a released generation is free again", reused);
    }

    @Test
    public void onlyRevokedAttachmentsCountAsStuck() {
        TargetSlot old = slots.next();
        slots.attach(old);
        slots.revoke(old);
        old.operations = 3;
        TargetSlot live = slots.next();
        slots.attach(live);
        live.operations = 5;
        slots.publishStuck();
        assertEquals(3, slots.stuckOperations());
        assertSame(live, slots.slotOf(live.generation));
        assertSame(old, slots.slotOf(old.generation));
        old.operations = 0;
        slots.release(old);
        assertEquals(0, slots.stuckOperations());
        assertSame(live, slots.current());
    }

    @Test
    public void theQueueEndsQuietlyOnlyWhenNothingCanStillWriteItsMemory() {
        TargetSlot live = slots.next();
        slots.attach(live);
        live.operations = 1;
        assertFalse(slots.end(false, 0));
        assertTrue(live.released.isCompletedExceptionally());
        assertNull(slots.current());

        TargetSlot copying = slots.next();
        slots.attach(copying);
        assertFalse("a USER_COPY still in flight", slots.end(false, 1));

        TargetSlot quiet = slots.next();
        slots.attach(quiet);
        quiet.operations = 1;
        assertTrue("a cleanly closed ring waited for everything", slots.end(true, 1));
        assertTrue(quiet.released.isDone());
        assertFalse(quiet.released.isCompletedExceptionally());
    }
}
