package io.jublk.core.device;

import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Params;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A device as listings show it: the kernel's view (dev info and params, read fresh) and jublk's (target,
 * queue threads).
 *
 * @param info           GET_DEV_INFO
 * @param params         GET_PARAMS, or null when the kernel would not say
 * @param targetType     the target's type, or null for a device jublk does not serve
 * @param target         the target's own description (plain data, see {@link Json}), or null for a device
 *                       jublk does not serve
 * @param queueThreadIds Linux thread ids of the queue threads, by queue (none while not served)
 * @param state          what jublk does for the device, or null for a device jublk does not know
 * @param service        {@code state} in words, with the reason when it is not serving
 * @param queueAffinity  by queue, the CPUs whose I/O the kernel sends to it (GET_QUEUE_AFFINITY); empty when
 *                       the kernel would not say
 */
public record DeviceStatus(DevInfo info, Params params, String targetType, Map<String, Object> target,
                           int[] queueThreadIds, ServiceState state, String service, List<BitSet> queueAffinity) {

    public DeviceStatus {
        queueAffinity = List.copyOf(queueAffinity);
        target = target == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(target));
    }

    /** Without the queues' affinity. */
    public DeviceStatus(DevInfo info, Params params, String targetType, Map<String, Object> target,
                        int[] queueThreadIds, ServiceState state, String service) {
        this(info, params, targetType, target, queueThreadIds, state, service, List.of());
    }

    /** A device jublk serves. */
    public DeviceStatus(DevInfo info, Params params, String targetType, Map<String, Object> target,
                        int[] queueThreadIds) {
        this(info, params, targetType, target, queueThreadIds, ServiceState.SERVING,
                ServiceState.SERVING.label(), List.of());
    }

    public int id() {
        return info.devId();
    }

    /** Whether this server has the device (false: a kernel device of another server, or left by a dead one). */
    public boolean served() {
        return targetType != null;
    }

    /** The CPUs of queue {@code q}, empty when unknown. */
    public BitSet affinity(int q) {
        return q < queueAffinity.size() ? (BitSet) queueAffinity.get(q).clone() : new BitSet();
    }

    public RecoveryMode recovery() {
        return RecoveryMode.of(info.flags());
    }
}
