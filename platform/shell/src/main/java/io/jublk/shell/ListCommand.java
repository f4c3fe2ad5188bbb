package io.jublk.shell;

import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code ublk:list [-n ID]}: the devices, in the reference server's layout. */
@Component(service = ListCommand.class, property = {"osgi.command.scope=ublk", "osgi.command.function=list"})
public class ListCommand {

    @Reference
    private UblkService ublk;

    @Descriptor("list ublk devices (the reference server's layout)")
    public void list(@Descriptor("only this device") @Parameter(names = {"-n", "--number"}, absentValue = "-1") int id)
            throws IOException {
        List<DeviceStatus> devices = ublk.list();
        StringBuilder out = new StringBuilder();
        boolean found = false;
        for (DeviceStatus d : devices) {
            if (id < 0 || d.id() == id) {
                format(d, out);
                found = true;
            }
        }
        if (id >= 0 && !found) {
            throw new IllegalArgumentException("no device " + id);
        }
        if (out.length() > 0) {
            System.out.println(out.toString().stripTrailing());
        }
    }

    static void format(DeviceStatus d, StringBuilder out) {
        DevInfo i = d.info();
        Params p = d.params();
        Params.Basic basic = p != null ? p.basic() : null;
        int blockSize = basic != null ? 1 << basic.logicalBlockShift() : 0;
        long capacity = basic != null ? basic.devSectors() << 9 : 0;
        out.append(String.format("dev id %d: nr_hw_queues %d queue_depth %d block size %d dev_capacity %d%n",
                i.devId(), i.queues(), i.queueDepth(), blockSize, capacity));
        out.append(String.format("\tmax rq size %d daemon pid %d state %s%n", i.maxIoBufBytes(), i.serverPid(),
                i.state()));
        StringBuilder names = new StringBuilder();
        for (Feature f : Feature.decode(i.flags())) {
            names.append(f.name()).append(' ');
        }
        out.append(String.format("\tflags 0x%x [ %s]%n", i.flags(), names));
        Params.Devt t = p != null ? p.devt() : null;
        out.append(String.format("\tublkc: %d:%d ublkb: %d:%d owner: %d:%d%n",
                t != null ? t.charMajor() : 0, t != null ? t.charMinor() : 0,
                t != null ? t.diskMajor() : 0, t != null ? t.diskMinor() : 0, i.ownerUid(), i.ownerGid()));
        int[] tids = d.queueThreadIds();
        for (int q = 0; q < tids.length; q++) {
            out.append(String.format("\tqueue %d: tid %d affinity(%s)%n", q, tids[q], cpus(d.affinity(q))));
        }
        out.append(String.format("\ttarget {\"name\":\"%s\",\"recovery\":\"%s\",\"service\":%s,\"backend\":%s}%n",
                d.targetType(), d.recovery().name().toLowerCase(java.util.Locale.ROOT), quote(d.service()),
                d.targetJson()));
    }

    /** The reference server's way: each CPU followed by a space, "0 1 ". */
    static String cpus(BitSet set) {
        StringBuilder b = new StringBuilder();
        for (int cpu = set.nextSetBit(0); cpu >= 0; cpu = set.nextSetBit(cpu + 1)) {
            b.append(cpu).append(' ');
        }
        return b.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
