package io.jublk.target.loop;

import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.DescribedTargetFactory;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The loop target: a ublk disk backed by a regular file or a block device, served through io_uring on each
 * queue thread's own ring. See {@link LoopTarget} for what each request becomes.
 */
@Component(service = TargetFactory.class, property = TargetFactory.TYPE_PROPERTY + "=" + LoopTargetFactory.TYPE)
public class LoopTargetFactory extends DescribedTargetFactory {
    static final String TYPE = "loop";

    private static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.value("file", "f", "PATH", "backing regular file or block device", true),
            OptionSpec.value("offset", null, "BYTES",
                    "where the disk starts in the backing, a multiple of its logical block (default 0)", false),
            OptionSpec.flag("buffered-io", "use the page cache instead of O_DIRECT"),
            OptionSpec.flag("read-only", "serve a read-only disk"));

    public LoopTargetFactory() {
        super(TYPE, "a disk backed by a file or block device (O_DIRECT by default)", OPTIONS);
    }

    @Override
    public Target open(TargetOptions options) throws TargetException {
        options.validateAgainst(OPTIONS);
        String file = options.require("file");
        long offset = options.sizeBytes("offset", 0);
        return LoopTarget.open(file, offset, options.flag("buffered-io"), options.flag("read-only"));
    }
}
