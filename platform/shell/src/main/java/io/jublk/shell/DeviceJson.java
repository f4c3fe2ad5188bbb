package io.jublk.shell;

import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.Json;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import java.util.List;
import java.util.StringJoiner;

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
        devices.forEach(d -> array.add(object(d)));
        return array.toString();
    }

    static String object(DeviceStatus d) {
        DevInfo i = d.info();
        Params.Basic basic = d.params() != null ? d.params().basic() : null;
        StringJoiner names = new StringJoiner(",", "[", "]");
        Feature.decode(i.flags()).forEach(f -> names.add(Json.quote(f.name())));
        StringJoiner tids = new StringJoiner(",", "[", "]");
        for (int tid : d.queueThreadIds()) {
            tids.add(String.valueOf(tid));
        }
        return new StringBuilder("{")
                .append("\"id\":").append(i.devId())
                .append(",\"served\":").append(d.served())
                .append(",\"state\":").append(Json.quote(i.state().name()))
                .append(",\"queues\":").append(i.queues())
                .append(",\"depth\":").append(i.queueDepth())
                .append(",\"maxIoBytes\":").append(Integer.toUnsignedLong(i.maxIoBufBytes()))
                .append(",\"blockSize\":").append(basic != null ? 1L << basic.logicalBlockShift() : 0)
                .append(",\"capacity\":").append(basic != null ? basic.devSectors() << 9 : 0)
                .append(",\"flags\":").append(Json.quote("0x" + Long.toHexString(i.flags())))
                .append(",\"flagNames\":").append(names)
                .append(",\"recovery\":").append(Json.quote(AddArguments.modeName(d.recovery())))
                .append(",\"daemonPid\":").append(i.serverPid())
                .append(",\"queueThreadIds\":").append(tids)
                .append(",\"targetType\":").append(d.targetType() != null ? Json.quote(d.targetType()) : "null")
                .append(",\"target\":").append(d.targetJson() != null ? d.targetJson() : "null")
                .append('}').toString();
    }
}
