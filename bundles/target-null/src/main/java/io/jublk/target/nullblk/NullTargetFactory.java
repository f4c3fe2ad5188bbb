package io.jublk.target.nullblk;

import io.jublk.target.DiskGeometry;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.DescribedTargetFactory;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import io.jublk.uring.sys.ErrnoException;
import io.jublk.uring.sys.Linux;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/** The null target: a disk that stores nothing. Reads return zeroes; every request succeeds. */
@Component(service = TargetFactory.class, property = TargetFactory.TYPE_PROPERTY + "=" + NullTargetFactory.TYPE)
public class NullTargetFactory extends DescribedTargetFactory {
    static final String TYPE = "null";
    /** The reference server's null disk: 250 GiB, 512-byte logical and 4 KiB physical blocks. */
    static final long DEFAULT_SIZE = 250L << 30;
    static final int LOGICAL_BLOCK = 512;
    static final int PHYSICAL_BLOCK = 4096;

    private static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.value("size", "s", "SIZE", "disk size in bytes, K/M/G/T suffixes allowed (default 250G)", false));

    public NullTargetFactory() {
        super(TYPE, "a disk that stores nothing: reads return zeroes, writes are dropped", OPTIONS);
    }

    @Override
    public Target open(TargetOptions options) throws TargetException {
        options.validateAgainst(OPTIONS);
        long size = options.sizeBytes("size", DEFAULT_SIZE);
        if (size < PHYSICAL_BLOCK || size % LOGICAL_BLOCK != 0) {
            throw new TargetException("--size must be a multiple of " + LOGICAL_BLOCK + " bytes and at least "
                    + PHYSICAL_BLOCK + ": " + size);
        }
        int zero;
        try {
            zero = Linux.open("/dev/zero", Linux.O_RDONLY | Linux.O_CLOEXEC);
        } catch (ErrnoException e) {
            throw new TargetException("cannot open /dev/zero: " + e.getMessage(), e);
        }
        return new NullTarget(new DiskGeometry(size, LOGICAL_BLOCK, PHYSICAL_BLOCK, false, false, true, false, 0, 0),
                zero);
    }
}
