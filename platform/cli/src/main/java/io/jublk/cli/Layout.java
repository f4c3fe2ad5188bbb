package io.jublk.cli;

import io.jublk.core.device.DeviceRecord;
import io.jublk.core.device.Json;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * What {@code ublk list} and {@code ublk features} print without a server: the reference server's layout
 * (scripts read it by field number), as the server's {@code ublk:list} prints it, with no queue lines (no
 * server thread serves the device) and the target line from the device's record.
 */
final class Layout {
    /** What the target line says of a device whose server is gone. */
    static final String NOT_SERVED = "not served: no jublk server runs";

    private Layout() {
    }

    /**
     * A device as the kernel has it (params null before START_DEV) and jublk's record of it, or null.
     */
    record Device(DevInfo info, Params params, DeviceRecord record) {
    }

    /** Whether jublk added the device (its mark in the server flags, which the kernel keeps). */
    static boolean isJublks(DevInfo info) {
        return info.serverFlags() == UblkDevice.SERVER_MARK;
    }

    static String features(long flags) {
        StringBuilder out = new StringBuilder(String.format("ublk_drv features: 0x%x%n", flags));
        for (Feature f : Feature.decode(flags)) {
            out.append(String.format("\t%-22s 0x%x%n", f.name(), f.mask()));
        }
        long unknown = Feature.unknownBits(flags);
        if (unknown != 0) {
            out.append(String.format("\t%-22s 0x%x%n", "(unknown to jublk)", unknown));
        }
        return out.toString().stripTrailing();
    }

    static void text(Device d, StringBuilder out) {
        DevInfo i = d.info();
        Params.Basic basic = d.params() != null ? d.params().basic() : null;
        out.append(String.format("dev id %d: nr_hw_queues %d queue_depth %d block size %d dev_capacity %d%n",
                i.devId(), i.queues(), i.queueDepth(), basic != null ? 1 << basic.logicalBlockShift() : 0,
                basic != null ? basic.devSectors() << 9 : 0));
        out.append(String.format("\tmax rq size %d daemon pid %d state %s%n", i.maxIoBufBytes(), i.serverPid(),
                i.state()));
        StringBuilder names = new StringBuilder();
        Feature.decode(i.flags()).forEach(f -> names.append(f.name()).append(' '));
        out.append(String.format("\tflags 0x%x [ %s]%n", i.flags(), names));
        Params.Devt t = d.params() != null ? d.params().devt() : null;
        out.append(String.format("\tublkc: %d:%d ublkb: %d:%d owner: %d:%d%n",
                t != null ? t.charMajor() : 0, t != null ? t.charMinor() : 0,
                t != null ? t.diskMajor() : 0, t != null ? t.diskMinor() : 0, i.ownerUid(), i.ownerGid()));
        if (d.record() == null) {
            out.append(String.format("\tserved: no (no jublk server runs, and no record of this device)%n"));
            return;
        }
        out.append(String.format("\ttarget %s%n", target(d)));
    }

    /** The server's target line, with the recorded options where a server shows its target's description. */
    static String target(Device d) {
        return "{\"name\":" + Json.write(d.record().targetType()) + ",\"recovery\":"
                + Json.write(modeName(RecoveryMode.of(d.info().flags()))) + ",\"service\":" + Json.write(NOT_SERVED)
                + ",\"backend\":" + options(d.record().options().asMap()) + "}";
    }

    /** {@code ublk list --json}: the fields of the server's {@code ublk:list --json}. */
    static String json(java.util.List<Device> devices) {
        if (devices.isEmpty()) {
            return "[]";
        }
        StringJoiner array = new StringJoiner(",\n", "[\n", "\n]");
        for (Device d : devices) {
            DevInfo i = d.info();
            Params.Basic basic = d.params() != null ? d.params().basic() : null;
            StringJoiner names = new StringJoiner(",", "[", "]");
            Feature.decode(i.flags()).forEach(f -> names.add(Json.write(f.name())));
            array.add(new StringBuilder("{")
                    .append("\"id\":").append(i.devId())
                    .append(",\"served\":false")
                    .append(",\"state\":").append(Json.write(i.state().name()))
                    .append(",\"queues\":").append(i.queues())
                    .append(",\"depth\":").append(i.queueDepth())
                    .append(",\"maxIoBytes\":").append(Integer.toUnsignedLong(i.maxIoBufBytes()))
                    .append(",\"blockSize\":").append(basic != null ? 1L << basic.logicalBlockShift() : 0)
                    .append(",\"capacity\":").append(basic != null ? basic.devSectors() << 9 : 0)
                    .append(",\"flags\":").append(Json.write("0x" + Long.toHexString(i.flags())))
                    .append(",\"flagNames\":").append(names)
                    .append(",\"recovery\":").append(Json.write(modeName(RecoveryMode.of(i.flags()))))
                    .append(",\"daemonPid\":").append(i.serverPid())
                    .append(",\"queueThreadIds\":[]")
                    .append(",\"targetType\":").append(d.record() != null ? Json.write(d.record().targetType()) : "null")
                    .append(",\"target\":").append(d.record() != null ? target(d) : "null")
                    .append('}').toString());
        }
        return array.toString();
    }

    static String modeName(RecoveryMode mode) {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static String options(Map<String, String> options) {
        StringJoiner o = new StringJoiner(",", "{", "}");
        new TreeMap<>(options).forEach((k, v) -> o.add(Json.write(k) + ":" + Json.write(v)));
        return o.toString();
    }
}
