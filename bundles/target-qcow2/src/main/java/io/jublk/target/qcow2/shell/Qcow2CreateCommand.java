package io.jublk.target.qcow2.shell;

import io.jublk.target.Sizes;
import io.jublk.target.TargetException;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.image.Qcow2Creator;
import java.nio.file.Path;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.CommandException;
import org.apache.karaf.shell.support.completers.FileCompleter;

/** {@code ublk:qcow2-create -s SIZE [-c CLUSTER_SIZE] [-b BACKING] FILE}: a new, empty qcow2 v3 image. */
@Service
@Command(scope = "ublk", name = "qcow2-create", description = "Create a qcow2 image (v3); the size defaults to the"
        + " backing file's, and a relative BACKING is relative to FILE's folder")
public class Qcow2CreateCommand implements Action {
    @Option(name = "-s", aliases = "--size", description = "virtual size, e.g. 10G")
    String size = "";

    @Option(name = "-c", aliases = "--cluster-size", description = "cluster size, 512 to 2M (default 64K)")
    String cluster = "64K";

    @Option(name = "-b", aliases = "--backing", description = "backing file (qcow2 or raw)")
    @Completion(FileCompleter.class)
    String backing = "";

    @Argument(index = 0, name = "FILE", description = "the image file to create", required = true)
    @Completion(FileCompleter.class)
    String file;

    @Override
    public Object execute() throws CommandException {
        try {
            create(size, cluster, backing, file);
        } catch (IllegalArgumentException e) {
            throw new CommandException(e.getMessage(), e); // Karaf prints the one line, logs no ERROR
        }
        return null;
    }

    /** The command's work, printing what it made; bad input is an {@link IllegalArgumentException} (one line). */
    void create(String size, String cluster, String backing, String file) {
        try {
            long bytes = size.isEmpty() ? -1 : Sizes.parse("size", size);
            long clusterBytes = Sizes.parse("cluster size", cluster);
            if (clusterBytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("cluster size too large: " + cluster);
            }
            if (bytes < 0 && backing.isEmpty()) {
                throw new IllegalArgumentException("ublk:qcow2-create needs -s SIZE (or -b BACKING)");
            }
            long made = Qcow2Creator.create(Path.of(file), bytes, (int) clusterBytes,
                    backing.isEmpty() ? null : backing);
            System.out.println("created " + file + ": qcow2 v3, " + made + " bytes, cluster " + clusterBytes
                    + (backing.isEmpty() ? "" : ", backing " + backing));
        } catch (TargetException | Qcow2Exception e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }
}
