package io.jublk.shell;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Completer;
import org.apache.karaf.shell.api.console.Session;

/**
 * Completes a line for one ublk: command. The console asks every command's completer about every line: this
 * one proposes the command's name for the first word, and for later words answers only when the first word
 * is this command, with what the command proposes.
 */
final class CommandCompleter implements Completer {
    private final UblkCommand command;
    /** In the command's own subshell (typed without "ublk:"). */
    private final boolean scoped;

    CommandCompleter(UblkCommand command, boolean scoped) {
        this.command = command;
        this.scoped = scoped;
    }

    @Override
    public int complete(Session session, CommandLine line, List<String> candidates) {
        List<Candidate> found = new ArrayList<>();
        completeCandidates(session, line, found);
        found.forEach(c -> candidates.add(c.value()));
        return candidates.isEmpty() ? -1 : line.getBufferPosition() - line.getArgumentPosition();
    }

    @Override
    public void completeCandidates(Session session, CommandLine line, List<Candidate> candidates) {
        String[] words = line.getArguments();
        int at = line.getCursorArgumentIndex();
        String qualified = command.getScope() + ":" + command.getName();
        if (at == 0) {
            candidates.add(UblkCommand.word(command.getName(), command.getDescription()));
            if (!scoped) {
                candidates.add(UblkCommand.word(qualified, command.getDescription()));
            }
            return;
        }
        if (at < 0 || words.length == 0 || at > words.length) {
            return;
        }
        String first = words[0];
        boolean mine = first.equals(qualified)
                || (first.equals(command.getName()) && (scoped || qualified.equals(session.resolveCommand(first))));
        if (mine) {
            command.complete(Arrays.asList(words).subList(1, at), session, line, candidates);
        }
    }
}
