package io.jublk.shell;

import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.Json;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.stream.IntStream;

/**
 * {@code ublk:list --json}: a JSON array with one object a device, one line each. The recovery mode is the
 * one the kernel's flags (GET_DEV_INFO) describe, not what was asked for.
 */
final class DeviceJson {
    private DeviceJson() {
    }

    static String array(List<DeviceStatus> devices) {
        if (devices.isEmpty()) {
            return "[]";
        }
        StringJoiner array = new StringJoiner(",\n", "[\n", "\n]");
        devices.forEach(d -> array.add(Json.write(object(d))));
        return array.toString();
    }

    /** The device as plain data, in the order the fields are listed. */
    static Map<String, Object> object(DeviceStatus d) {
        DevInfo i = d.info();
        Params.Basic basic = d.params() != null ? d.params().basic() : null;
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", i.devId());
        o.put("served", d.served());
        o.put("state", i.state().name());
        o.put("queues", i.queues());
        o.put("depth", i.queueDepth());
        o.put("maxIoBytes", Integer.toUnsignedLong(i.maxIoBufBytes()));
        o.put("blockSize", basic != null ? 1L << basic.logicalBlockShift() : 0);
        o.put("capacity", basic != null ? basic.devSectors() << 9 : 0);
        o.put("flags", "0x" + Long.toHexString(i.flags()));
        o.put("flagNames", Feature.decode(i.flags()).stream().map(Feature::name).toList());
        o.put("recovery", AddArguments.modeName(d.recovery()));
        o.put("daemonPid", i.serverPid());
        o.put("queueThreadIds", IntStream.of(d.queueThreadIds()).boxed().toList());
        o.put("targetType", d.targetType());
        o.put("target", d.target());
        return o;
    }
}
