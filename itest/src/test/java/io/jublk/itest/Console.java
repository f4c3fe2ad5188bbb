package io.jublk.itest;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.security.auth.Subject;
import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.api.console.SessionFactory;

/** Runs console commands in-process as Karaf's admin, as a console user would type them. */
final class Console {
    /**
     * Karaf's own admin as the local console has it: every role of karaf.local.roles (bundle:update, for
     * one, wants manager, not admin).
     */
    private static final Set<Principal> ADMIN = Stream.concat(Stream.of(new UserPrincipal("karaf")),
            Stream.of(System.getProperty("karaf.local.roles", "admin,manager,viewer,systembundles").split(","))
                    .map(r -> new RolePrincipal(r.trim()))).collect(Collectors.toUnmodifiableSet());

    private final SessionFactory sessions;

    Console(SessionFactory sessions) {
        this.sessions = sessions;
    }

    /** The command's output; a failing command throws what it threw (its message is what the user sees). */
    String run(String command) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Subject admin = new Subject(false, ADMIN, Set.of(), Set.of());
        Object result = Subject.callAs(admin, () -> {
            try (Session session = sessions.create(InputStream.nullInputStream(), out, out)) {
                return session.execute(command);
            }
        });
        out.flush();
        return (bytes.toString(StandardCharsets.UTF_8) + (result != null ? result : "")).trim();
    }

    /** The id of the device that ublk:add's output names ("dev id N: /dev/ublkbN LIVE"). */
    static int deviceId(String addOutput) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("dev id (\\d+): /dev/ublkb\\d+ LIVE").matcher(addOutput);
        if (!m.find()) {
            throw new AssertionError("no device added: " + addOutput);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The message a failing command gives. */
    String error(String command) throws Exception {
        try {
            String out = run(command);
            throw new AssertionError("'" + command + "' succeeded: " + out);
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause().getMessage();
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            return e.getMessage();
        }
    }
}
