package io.jublk.target.qcow2.shell;

import io.jublk.target.Sizes;
import io.jublk.target.TargetException;
import io.jublk.target.qcow2.format.Qcow2Exception;
import io.jublk.target.qcow2.image.Qcow2Creator;
import java.nio.file.Path;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;

/** {@code ublk:qcow2-create -s SIZE [-c CLUSTER_SIZE] [-b BACKING] FILE}: a new, empty qcow2 v3 image. */
@Component(service = Qcow2CreateCommand.class,
        property = {"osgi.command.scope=ublk", "osgi.command.function=qcow2-create"})
public class Qcow2CreateCommand {

    private static final String USAGE = "ublk:qcow2-create -s SIZE [-c CLUSTER_SIZE] [-b BACKING] FILE";

    /** The console's entry (see {@link GogoWords}): the options, then the function's name and FILE. */
    @Descriptor("create a qcow2 image: " + USAGE
            + " (the size defaults to the backing file's; a relative BACKING is relative to FILE's folder)")
    public void _main(
            @Descriptor("virtual size, e.g. 10G") @Parameter(names = {"-s", "--size"}, absentValue = "") String size,
            @Descriptor("cluster size, 512 to 2M (default 64K)") @Parameter(names = {"-c", "--cluster-size"},
                    absentValue = "64K") String cluster,
            @Descriptor("backing file (qcow2 or raw)") @Parameter(names = {"-b", "--backing"}, absentValue = "")
            String backing,
            @Descriptor("the image file to create") String... words) {
        create(size, cluster, backing, GogoWords.single(words, USAGE));
    }

    /** Creates FILE; an empty size takes the backing file's, an empty backing means none. */
    public void create(String size, String cluster, String backing, String file) {
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
