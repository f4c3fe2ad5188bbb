package org.apache.karaf.util.jaas;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import javax.security.auth.Subject;

/**
 * Written for jublk's JDK 25 build of Karaf 4.4.10 (not part of Apache Karaf).
 * <p>
 * Up to JDK 23 the JAAS subject travelled with the inherited {@code AccessControlContext}, so a thread
 * started inside {@code Subject.doAs} ran as that subject too. From JDK 24 the subject is bound by
 * {@link Subject#callAs} for the current call only: a new thread or a pool thread runs as nobody.
 * These helpers carry it across the few places where Karaf hands a session to another thread.
 * <p>
 * It lives in Karaf's {@code org.apache.karaf.util.jaas} package because every patched bundle already
 * embeds that package privately (next to {@link JaasHelper}); nothing is exported.
 */
public final class SubjectCarrier {

    private SubjectCarrier() {
    }

    /** Wraps {@code task} so that it runs as the subject current now, on whichever thread runs it. */
    public static Runnable carry(Runnable task) {
        Subject subject = Subject.current();
        return subject == null ? task : () -> JaasHelper.runAs(subject, task);
    }

    /**
     * The same pool as {@link java.util.concurrent.Executors#newCachedThreadPool(ThreadFactory)}, except that
     * each task runs as the subject of the thread that submitted it (submit and invokeAll go through execute).
     */
    public static ExecutorService newCachedThreadPool(ThreadFactory threadFactory) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60L, TimeUnit.SECONDS,
                new SynchronousQueue<>(), threadFactory) {
            @Override
            public void execute(Runnable command) {
                super.execute(carry(command));
            }
        };
    }
}
