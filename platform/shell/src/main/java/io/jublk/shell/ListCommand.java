package io.jublk.shell;

import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.Json;
import io.jublk.core.device.UblkService;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.Feature;
import io.jublk.core.uapi.Params;
import io.jublk.target.OptionSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.karaf.shell.api.console.Candidate;
import org.apache.karaf.shell.api.console.CommandLine;
import org.apache.karaf.shell.api.console.Session;

/**
 * {@code ublk:list [-n ID] [--json]}: the kernel's ublk devices, in the reference server's layout or as JSON;
 * those this server does not serve too, marked {@code served: no}.
 */
final class ListCommand extends UblkCommand {
    static final OptionSpec NUMBER = OptionSpec.value("number", "n", "ID", "only this device", false);
    static final OptionSpec JSON = OptionSpec.flag("json", "a JSON array, one object a device");
    static final List<OptionSpec> OPTIONS = List.of(NUMBER, JSON);

    ListCommand(UblkService ublk) {
        super(ublk, "list", "List the ublk devices (the reference server's layout, or --json)", OPTIONS);
    }

    /** What ublk:list is asked: device {@code id} or all (-1), as text or JSON. */
    record Request(int id, boolean json) {
        static Request of(Map<String, String> given) throws UsageException {
            int id = given.containsKey(NUMBER.name())
                    ? Options.number(NUMBER, given.get(NUMBER.name()), 0, DeviceSpec.MAX_ID) : -1;
            return new Request(id, given.containsKey(JSON.name()));
        }
    }

    @Override
    void execute(List<String> args, PrintStream out) throws UsageException, IOException {
        Request request = Request.of(parse(args));
        List<DeviceStatus> devices = new ArrayList<>();
        try {
            devices.addAll(ublk.list());
            devices.addAll(ublk.unserved());
        } catch (IOException e) {
            throw new IOException("cannot list ublk devices: " + e.getMessage(), e);
        }
        devices.removeIf(d -> request.id() >= 0 && d.id() != request.id());
        devices.sort(Comparator.comparingInt(DeviceStatus::id));
        if (request.id() >= 0 && devices.isEmpty()) {
            throw new UsageException("no device " + request.id());
        }
        if (request.json()) {
            out.println(DeviceJson.array(devices));
            return;
        }
        StringBuilder text = new StringBuilder();
        devices.forEach(d -> format(d, text));
        if (!text.isEmpty()) {
            out.println(text.toString().stripTrailing());
        }
    }

    /** The reference server's layout (scripts read it by field number); no queue and target lines for a device not served here. */
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
        if (!d.served()) {
            out.append(String.format("\tserved: no (not by this jublk server)%n"));
            return;
        }
        int[] tids = d.queueThreadIds();
        for (int q = 0; q < tids.length; q++) {
            out.append(String.format("\tqueue %d: tid %d affinity(%s)%n", q, tids[q], cpus(d.affinity(q))));
        }
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("name", d.targetType());
        target.put("recovery", AddArguments.modeName(d.recovery()));
        target.put("service", d.service());
        target.put("backend", d.target());
        out.append("\ttarget ").append(Json.write(target)).append(System.lineSeparator());
    }

    @Override
    String help(List<String> args) {
        return help("Lists the kernel's ublk devices in the reference server's layout, or as JSON. Devices this"
                + " server does not serve (another server's, or left by a dead one) are listed too, marked"
                + " 'served: no' (JSON: \"served\":false).", "ublk:list [-n ID] [--json]");
    }

    @Override
    void completeValue(OptionSpec option, Session session, CommandLine line, List<Candidate> out) {
        deviceIds(true, out);
    }

    /** The reference server's way: each CPU followed by a space, "0 1 ". */
    static String cpus(BitSet set) {
        StringBuilder b = new StringBuilder();
        for (int cpu = set.nextSetBit(0); cpu >= 0; cpu = set.nextSetBit(cpu + 1)) {
            b.append(cpu).append(' ');
        }
        return b.toString();
    }
}
