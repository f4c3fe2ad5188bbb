package io.jublk.target.rbd;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import org.junit.Test;

/** When a held lock may be broken: only for a jublk of this host that is gone, or a replaced disk of this process. */
public class ImageLockPolicyTest {
    private static final String OWNER = "127.0.0.1:0/3211961711";

    private static String record(String host, long pid, long start) {
        return OWNER + " " + host + " " + pid + " " + start;
    }

    private static long startOf(ProcessHandle p) {
        return p.info().startInstant().orElseThrow().toEpochMilli();
    }

    @Test
    public void aLiveProcessOfThisHostKeepsItsLock() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            assertNull(ImageLock.breakable(OWNER, record(ImageLock.host(), p.pid(), startOf(p.toHandle()))));
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    public void aGoneProcessOfThisHostLosesIt() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        long start = startOf(p.toHandle());
        p.destroyForcibly().waitFor();
        assertEquals("its jublk process " + p.pid() + " on this host is gone",
                ImageLock.breakable(OWNER, record(ImageLock.host(), p.pid(), start)));
    }

    @Test
    public void aReusedPidIsNotTheHolder() throws Exception {
        ProcessHandle me = ProcessHandle.current();
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            // the pid is alive, but started at another time than the one recorded: not the holder
            assertEquals("its jublk process " + p.pid() + " on this host is gone",
                    ImageLock.breakable(OWNER, record(ImageLock.host(), p.pid(), startOf(me) - 1)));
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    public void thisProcessIsAReplacedDisk() {
        ProcessHandle me = ProcessHandle.current();
        assertEquals("a disk of this process that was replaced",
                ImageLock.breakable(OWNER, record(ImageLock.host(), me.pid(), startOf(me))));
    }

    @Test
    public void anotherHostOrAnotherOwnerOrNoRecordIsNeverBroken() {
        assertNull(ImageLock.breakable(OWNER, record("elsewhere", 1, 0)));
        assertNull(ImageLock.breakable("127.0.0.1:0/1", record(ImageLock.host(), 999_999_999, 0)));
        assertNull(ImageLock.breakable(OWNER, ""));
        assertNull(ImageLock.breakable(OWNER, OWNER + " " + ImageLock.host() + " notapid 0"));
    }
}
