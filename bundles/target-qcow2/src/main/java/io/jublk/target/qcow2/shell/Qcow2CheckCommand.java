package io.jublk.target.qcow2.shell;

import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.format.Snapshot;
import io.jublk.target.qcow2.image.CheckResult;
import io.jublk.target.qcow2.image.Images;
import io.jublk.target.qcow2.image.Qcow2Checker;
import io.jublk.target.qcow2.image.Qcow2Image;
import java.nio.file.Path;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;

/**
 * {@code ublk:qcow2-check FILE}: the image's header and snapshots, then its refcounts recounted: corruptions
 * and leaked clusters. Read-only: the image is not changed. Fails when it finds corruption.
 */
@Component(service = Qcow2CheckCommand.class,
        property = {"osgi.command.scope=ublk", "osgi.command.function=qcow2-check"})
public class Qcow2CheckCommand {

    private static final String USAGE = "ublk:qcow2-check FILE";

    /** The console's entry (see {@link GogoWords}): the function's name, then FILE. */
    @Descriptor("check a qcow2 image for corruption and leaked clusters: " + USAGE)
    public void _main(@Descriptor("the image file") String... words) {
        check(GogoWords.single(words, USAGE));
    }

    /** Checks FILE, printing what it finds; throws when it finds corruption. */
    public void check(String file) {
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
