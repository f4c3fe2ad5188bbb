package io.jublk.target.qcow2;

import io.jublk.target.DescribedTargetFactory;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.target.qcow2.image.Images;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The qcow2 target: a ublk disk backed by a QEMU qcow2 image (versions 2 and 3, backing files, snapshots
 * kept intact). See {@link Qcow2Target}.
 */
@Component(service = TargetFactory.class, property = TargetFactory.TYPE_PROPERTY + "=" + Qcow2TargetFactory.TYPE)
public class Qcow2TargetFactory extends DescribedTargetFactory {
    static final String TYPE = "qcow2";

    private static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.value("file", "f", "PATH", "the qcow2 image", true),
            OptionSpec.value("l2-cache", null, "BYTES", "L2 table cache size (default 32M, as QEMU's)", false),
            OptionSpec.flag("read-only", "serve a read-only disk (the image is not modified)"));

    public Qcow2TargetFactory() {
        super(TYPE, "a disk backed by a qcow2 image (QEMU's format: backing files, snapshots, compression)",
                OPTIONS);
    }

    @Override
    public Target open(TargetOptions options) throws TargetException {
        options.validateAgainst(OPTIONS);
        return Qcow2Target.open(options.require("file"), options.flag("read-only"),
                options.sizeBytes("l2-cache", Images.DEFAULT_L2_CACHE));
    }
}
