package io.jublk.testkit;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.IoCommands;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.core.uapi.Params;
import io.jublk.target.Target;
import io.jublk.target.TargetFactory;
import io.jublk.target.TargetOptions;
import java.io.IOException;
import java.util.Map;

/**
 * A live ublk device served by the core's queue threads with a target from {@code factory} (depth 32, no
 * recovery); closing deletes the device and closes the target. Needs a ublk kernel.
 */
public final class LiveDevice<T extends Target> implements AutoCloseable {
    public final T target;
    public final ControlClient control;
    public final UblkDevice device;
    public final Params params;

    private LiveDevice(T target, ControlClient control, UblkDevice device, Params params) {
        this.target = target;
        this.control = control;
        this.device = device;
        this.params = params;
    }

    /** Opens a target of {@code type} from {@code factory} with {@code options} and serves it on {@code queues} queues. */
    public static <T extends Target> LiveDevice<T> open(TargetFactory factory, Class<T> type, int queues,
            Map<String, String> options) throws Exception {
        return open(factory, type, queues, options, IoCommands.PER_TAG);
    }

    /** Like {@link #open(TargetFactory, Class, int, Map)}, with per-tag or batch (UBLK_F_BATCH_IO) commands. */
    public static <T extends Target> LiveDevice<T> open(TargetFactory factory, Class<T> type, int queues,
            Map<String, String> options, IoCommands commands) throws Exception {
        TargetOptions opts = new TargetOptions(options);
        T target = type.cast(factory.open(opts));
        ControlClient control = null;
        try {
            control = ControlClient.open();
            UblkDevice device = UblkDevice.create(control, new DeviceSpec(-1, queues, 32,
                    DeviceSpec.DEFAULT_MAX_IO_BYTES, RecoveryMode.NONE, factory.type(), opts).withCommands(commands),
                    target);
            try {
                return new LiveDevice<>(target, control, device, control.params(device.id()));
            } catch (IOException | RuntimeException e) {
                device.delete(control);
                throw e;
            }
        } catch (Exception | Error e) {
            if (control != null) {
                control.close();
            }
            target.close();
            throw e;
        }
    }

    /** The disk's node, /dev/ublkbN. */
    public String node() {
        return UblkDevice.blockDevice(device.id()).toString();
    }

    @Override
    public void close() throws IOException {
        try {
            device.delete(control);
        } finally {
            control.close();
            target.close();
        }
    }
}
