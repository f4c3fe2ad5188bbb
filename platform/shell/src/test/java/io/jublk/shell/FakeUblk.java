package io.jublk.shell;

import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.DeviceStatus;
import io.jublk.core.device.UblkService;
import io.jublk.core.uapi.DevInfo;
import io.jublk.core.uapi.DeviceState;
import io.jublk.core.uapi.Params;
import io.jublk.target.OptionSpec;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A UblkService for the console's unit tests: fixed target types, and devices the test puts in. Not a driver:
 * add only records the spec. With {@code noDriver} every call that needs the kernel fails as the core does.
 */
final class FakeUblk implements UblkService {
    static final TargetFactory NULL = new Fake("null", "reads return zeroes",
            OptionSpec.value("size", "s", "SIZE", "disk size in bytes", false));
    static final TargetFactory LOOP = new Fake("loop", "a file or block device",
            OptionSpec.value("file", "f", "PATH", "backing regular file or block device", true),
            OptionSpec.value("offset", null, "BYTES", "where the disk starts in the file", false),
            OptionSpec.flag("read-only", "serve a read-only disk"));

    final List<DeviceStatus> served = new ArrayList<>();
    final List<DeviceStatus> unserved = new ArrayList<>();
    final List<DeviceSpec> added = new ArrayList<>();
    /** What events() answers, by device. */
    final Map<Integer, io.jublk.core.device.DeviceEvents> events = new java.util.TreeMap<>();

    @Override
    public Map<Integer, io.jublk.core.device.DeviceEvents> events() {
        return events;
    }

    /** What counters() answers, by device. */
    final Map<Integer, List<io.jublk.core.device.IoCounters>> counters = new java.util.TreeMap<>();

    @Override
    public Map<Integer, List<io.jublk.core.device.IoCounters>> counters() {
        return counters;
    }
    boolean noDriver;

    @Override
    public long kernelFeatures() throws IOException {
        kernel();
        return 0x1fe;
    }

    @Override
    public Collection<TargetFactory> targets() {
        return List.of(LOOP, NULL);
    }

    @Override
    public DeviceStatus add(DeviceSpec spec) throws IOException {
        kernel();
        added.add(spec);
        return device(spec.id() < 0 ? 0 : spec.id(), DeviceState.LIVE, spec.recovery().flags(), spec.targetType());
    }

    @Override
    public void delete(int id) throws IOException {
        kernel();
        if (!served.removeIf(d -> d.id() == id)) {
            throw new IOException("no device " + id + " served here");
        }
    }

    @Override
    public List<DeviceStatus> list() throws IOException {
        kernel();
        return List.copyOf(served);
    }

    @Override
    public DeviceStatus recover(int id) throws IOException {
        kernel();
        throw new IOException("no record of device " + id + ": jublk does not know its target");
    }

    @Override
    public List<DeviceStatus> unserved() throws IOException {
        kernel();
        return List.copyOf(unserved);
    }

    private void kernel() throws IOException {
        if (noDriver) {
            throw new IOException("no /dev/ublk-control: the kernel's ublk driver is not loaded (modprobe ublk_drv)");
        }
    }

    /** A device of 1 GiB with 512-byte blocks, 2 queues of depth 64; served when {@code type} is not null. */
    static DeviceStatus device(int id, DeviceState state, long flags, String type) {
        DevInfo info = new DevInfo(2, 64, state, 512 << 10, id, 4242, flags, 0, 0, 0);
        Params params = new Params(new Params.Basic(0, 9, 12, 12, 9, 1024, 0, 1L << 21, 0), null,
                new Params.Devt(240, id, 259, id));
        return type == null ? new DeviceStatus(info, params, null, null, new int[0])
                : new DeviceStatus(info, params, type, java.util.Map.of("size", 1L << 30, "note", "a \"quoted\" word"),
                        new int[] {100 + id, 200 + id});
    }

    private record Fake(String type, String description, List<OptionSpec> options) implements TargetFactory {
        Fake(String type, String description, OptionSpec... options) {
            this(type, description, List.of(options));
        }

        @Override
        public Target open(TargetOptions o) {
            throw new UnsupportedOperationException();
        }
    }
}
