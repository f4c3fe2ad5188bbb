package io.jublk.target.rbd;

import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetException;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The rbd target: a ublk disk backed by a Ceph RBD image through librbd (FFM, no JNI). librbd is loaded
 * when the type is first used or listed; without it the service is still published, and its description
 * says why it cannot be used. See {@link RbdTarget} and {@link RbdQueue}.
 */
@Component(service = TargetFactory.class, property = TargetFactory.TYPE_PROPERTY + "=" + RbdTargetFactory.TYPE)
public class RbdTargetFactory implements TargetFactory {
    static final String TYPE = "rbd";

    static final List<OptionSpec> OPTIONS = List.of(
            OptionSpec.value("pool", "p", "POOL", "the RBD pool", true),
            OptionSpec.value("image", null, "IMAGE", "the RBD image in the pool", true),
            OptionSpec.value("conf", "c", "FILE", "ceph.conf (default: librados' search, /etc/ceph/ceph.conf)",
                    false),
            OptionSpec.value("id", null, "CLIENT", "the Ceph client id, without 'client.' (default admin)", false),
            OptionSpec.value("keyring", "k", "FILE", "the client's keyring (default: the one ceph.conf names)",
                    false),
            OptionSpec.value("timeout", null, "SECONDS", "bound on connecting and opening (default 10)", false),
            OptionSpec.flag("read-only", "serve a read-only disk (the image is opened read-only, not locked)"));

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public String description() {
        String problem = Librbd.problem();
        return "a disk backed by a Ceph RBD image (librbd, cache off, exclusive lock)"
                + (problem == null ? "" : "; UNAVAILABLE: " + problem);
    }

    @Override
    public List<OptionSpec> options() {
        return OPTIONS;
    }

    @Override
    public Target open(TargetOptions options) throws TargetException {
        options.validateAgainst(OPTIONS);
        return RbdTarget.open(RbdSettings.from(options));
    }
}
