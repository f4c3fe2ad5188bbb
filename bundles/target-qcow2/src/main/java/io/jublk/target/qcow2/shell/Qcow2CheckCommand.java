package io.jublk.target.qcow2.shell;

import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.format.Snapshot;
import io.jublk.target.qcow2.image.CheckResult;
import io.jublk.target.qcow2.image.Images;
import io.jublk.target.qcow2.image.Qcow2Checker;
import io.jublk.target.qcow2.image.Qcow2Image;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.completers.FileCompleter;

/**
 * {@code ublk:qcow2-check FILE}: the image's header and snapshots, then its refcounts recounted: corruptions
 * and leaked clusters. Read-only: the image is not changed. Fails when it finds corruption.
 */
@Service
@Command(scope = "ublk", name = "qcow2-check", description = "Check a qcow2 image for corruption and leaked"
        + " clusters (read-only; fails on corruption)")
public class Qcow2CheckCommand implements Action {
    @Argument(index = 0, name = "FILE", description = "the image file", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Override
    public Object execute() throws CommandException {
        try {
            check(file);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), e); // Karaf prints the one line, logs no ERROR
        }
        return null;
    }

    /** The command's work, printing its report; a corrupt or unreadable image is an {@link IllegalArgumentException}. */
    void check(String file) {
        try (Qcow2Image image = Images.open(Path.of(file), true)) {
            System.out.println(file + ": " + image.header());
            for (Snapshot s : image.snapshots()) {
                System.out.println("snapshot " + s.id() + " \"" + s.name() + "\" (vm state " + s.vmStateSize()
                        + " bytes)");
            }
            CheckResult r = Qcow2Checker.check(image);
            r.messages().forEach(System.out::println);
            if (r.corruptions() > 0) {
                throw new IllegalArgumentException(r.corruptions() + " corruption(s) and " + r.leaks()
                        + " leaked cluster(s) in " + file);
            }
            System.out.println(r.leaks() == 0 ? "No errors were found on the image."
                    : r.leaks() + " leaked cluster(s) were found on the image (wasted space, no harm to data).");
            System.out.println(r.clusters() + " clusters in the file");
        } catch (Qcow2Exception e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
