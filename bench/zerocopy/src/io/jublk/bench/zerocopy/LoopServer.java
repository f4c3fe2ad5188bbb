package io.jublk.bench.zerocopy;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DataTransfer;
import io.jublk.core.device.DeviceSpec;
import io.jublk.core.device.RecoveryMode;
import io.jublk.core.device.UblkDevice;
import io.jublk.core.uapi.Feature;
import io.jublk.target.Target;
import io.jublk.target.TargetOptions;
import io.jublk.target.loop.LoopTargetFactory;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Serves one loop device from a plain JVM (a Karaf boot under TCG takes minutes), through the same
 * {@link UblkDevice#create} and queue threads as the console. Prints {@code ready ID PID FLAGS} once the
 * device is LIVE, with the flags the kernel accepted; deletes it on SIGTERM and exits.
 *
 * <pre>LoopServer FILE auto|copy|user_copy [QUEUES [DEPTH]]</pre>
 */
public final class LoopServer {
    private LoopServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: LoopServer FILE auto|copy|user_copy [QUEUES [DEPTH]]");
            System.exit(2);
        }
        DataTransfer transfer = DataTransfer.valueOf(args[1].toUpperCase(Locale.ROOT));
        int queues = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int depth = args.length > 3 ? Integer.parseInt(args[3]) : DeviceSpec.DEFAULT_DEPTH;
        TargetOptions options = new TargetOptions(Map.of("file", args[0]));
        Target target = new LoopTargetFactory().open(options);
        UblkDevice device;
        try (ControlClient control = ControlClient.open()) {
            device = UblkDevice.create(control, new DeviceSpec(-1, queues, depth, DeviceSpec.DEFAULT_MAX_IO_BYTES,
                    RecoveryMode.NONE, "loop", options, transfer), target);
        }
        CountDownLatch deleted = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            // a control ring belongs to the thread that opened it: this hook opens its own
            try (ControlClient control = ControlClient.open()) {
                device.delete(control);
            } catch (Exception e) {
                System.err.println("deleting ublk device " + device.id() + ": " + e.getMessage());
            } finally {
                target.close();
                deleted.countDown();
            }
        }));
        long flags = device.info().flags();
        System.out.println("ready " + device.id() + " " + ProcessHandle.current().pid() + " "
                + String.join(",", Feature.decode(flags).stream().map(Feature::shortName).toList()));
        System.out.flush();
        deleted.await();
    }
}
