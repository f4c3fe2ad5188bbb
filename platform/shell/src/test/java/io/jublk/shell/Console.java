package io.jublk.shell;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;

/** Drives the ublk: commands as Karaf's console would, without Karaf: runs them, completes lines. */
final class Console {
    final FakeUblk ublk = new FakeUblk();
    final List<UblkCommand> commands = List.of(new AddCommand(ublk), new DelCommand(ublk), new ListCommand(ublk),
            new FeaturesCommand(ublk), new TargetsCommand(ublk), new StatCommand(ublk));
    /** How the session resolves a command typed without scope, e.g. "list" -> "bundle:list". */
    final Map<String, String> unscoped = new java.util.HashMap<>();

    /** The output of {@code line} (split at spaces); a failing command throws its CommandException. */
    String run(String line) throws Exception {
        List<String> words = Arrays.asList(line.split(" "));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        command(words.get(0)).run(words.subList(1, words.size()), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** What the completers of all ublk: commands propose for the last word of {@code line} (cursor at its end). */
    List<String> complete(String line, boolean scoped) {
        List<String> words = new ArrayList<>(Arrays.asList(line.split(" ", -1)));
        CommandLine commandLine = commandLine(line, words);
        List<Candidate> found = new ArrayList<>();
        for (UblkCommand c : commands) {
            c.getCompleter(scoped).completeCandidates(session(), commandLine, found);
        }
        return found.stream().map(Candidate::value).toList();
    }

    List<String> complete(String line) {
        return complete(line, false);
    }

    private UblkCommand command(String name) {
        return commands.stream().filter(c -> name.equals("ublk:" + c.getName())).findFirst().orElseThrow();
    }

    private Session session() {
        return (Session) Proxy.newProxyInstance(Session.class.getClassLoader(), new Class<?>[] {Session.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "resolveCommand" -> ((String) args[0]).contains(":") ? args[0]
                            : unscoped.getOrDefault((String) args[0], "ublk:" + args[0]);
                    case "get" -> null;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static CommandLine commandLine(String line, List<String> words) {
        String last = words.get(words.size() - 1);
        return new CommandLine() {
            @Override
            public int getCursorArgumentIndex() {
                return words.size() - 1;
            }

            @Override
            public String getCursorArgument() {
                return last;
            }

            @Override
            public int getArgumentPosition() {
                return last.length();
            }

            @Override
            public String[] getArguments() {
                return words.toArray(new String[0]);
            }

            @Override
            public int getBufferPosition() {
                return line.length();
            }

            @Override
            public String getBuffer() {
                return line;
            }
        };
    }
}
