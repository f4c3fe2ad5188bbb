package io.jublk.core.device;

import io.jublk.core.control.ControlClient;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Params;
import io.jublk.target.Target;
import io.jublk.uring.sys.ErrnoException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a listing shows of a device: the kernel's view of it (GET_DEV_INFO, GET_PARAMS, affinity) and ours. */
final class DeviceStatuses {
    private static final Logger LOG = LoggerFactory.getLogger(DeviceStatuses.class);

    private DeviceStatuses() {
    }

    static DeviceStatus status(ControlClient control, ManagedDevice m) throws ErrnoException {
        UblkDevice device = m.device;
        Target target = device == null ? null : device.target();
        long stuck = device == null ? 0 : device.stuckOperations();
        String service = m.state.label() + (m.reason == null ? "" : ": " + m.reason)
                + (stuck > 0 ? "; target stuck: " + stuck + " operation(s) of a detached target in flight" : "");
        DevInfo info = control.deviceInfo(m.id());
        return new DeviceStatus(info, params(control, m.id()), m.type(),
                target == null ? Map.of() : TargetDescription.of(target),
                device == null ? new int[0] : device.queueThreadIds(), m.state, service, affinity(control, info));
    }

    /** A device in the kernel that this server does not serve. */
    static DeviceStatus unserved(ControlClient control, int id) throws ErrnoException {
        return new DeviceStatus(control.deviceInfo(id), params(control, id), null, null, new int[0],
                null, "not served by this server");
    }

    /** Each queue's CPUs; none at all when the kernel would not say (a listing must not fail for that). */
    private static List<BitSet> affinity(ControlClient control, DevInfo info) {
        List<BitSet> cpus = new ArrayList<>(info.queues());
        try {
            for (int q = 0; q < info.queues(); q++) {
                cpus.add(control.queueAffinity(info.devId(), q));
            }
        } catch (ErrnoException e) {
            LOG.debug("GET_QUEUE_AFFINITY of device {}: {}", info.devId(), e.getMessage());
            return List.of();
        }
        return cpus;
    }

    /** GET_PARAMS, or null when the kernel would not say (a device not started has no devt yet). */
    private static Params params(ControlClient control, int id) {
        try {
            return control.params(id);
        } catch (ErrnoException e) {
            return null;
        }
    }
}
