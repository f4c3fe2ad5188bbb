package io.jublk.cli;

import io.jublk.core.control.ControlClient;
import io.jublk.core.device.DeviceRecord;
import io.jublk.core.uapi.DevInfo;
import io.jublk.uring.sys.Errno;
import io.jublk.uring.sys.ErrnoException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code bin/ublk list}, {@code features} and {@code del} while no jublk server runs: straight to
 * {@code /dev/ublk-control}, without OSGi, in the reference server's layout. bin/ublk has checked and
 * normalised the arguments: {@code list [-n ID] [--json]}, {@code features}, {@code del -n ID | -a}.
 * The device records (what jublk wrote for each device it added) are read from the folder the system
 * property {@value #RECORDS} names, for the target line, and a deleted device's record is removed.
 *
 * <p>Exit status as bin/ublk's: 0 done, 1 the command failed (one line on stderr), 2 wrong usage.
 */
public final class UblkCli {
    static final String RECORDS = "jublk.records";
    static final String PREFIX = "ublk: ";

    private final Path records;
    private final PrintStream out;
    private final PrintStream err;

    UblkCli(Path records, PrintStream out, PrintStream err) {
        this.records = records;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        String dir = System.getProperty(RECORDS);
        UblkCli cli = new UblkCli(dir == null ? null : Path.of(dir), System.out, System.err);
        int status = cli.run(List.of(args));
        System.out.flush();
        System.exit(status);
    }

    int run(List<String> args) {
        try {
            if (args.isEmpty()) {
                throw new UsageException("missing command");
            }
            List<String> rest = args.subList(1, args.size());
            switch (args.get(0)) {
                case "features" -> features(rest);
                case "list" -> list(rest);
                case "del" -> del(rest);
                default -> throw new UsageException("unknown command '" + args.get(0) + "'");
            }
            return 0;
        } catch (UsageException e) {
            err.println(PREFIX + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println(PREFIX + e.getMessage());
            return 1;
        }
    }

    private void features(List<String> args) throws IOException, UsageException {
        if (!args.isEmpty()) {
            throw new UsageException("features: unexpected argument '" + args.get(0) + "'");
        }
        try (ControlClient control = ControlClient.open()) {
            out.println(Layout.features(control.features()));
        }
    }

    private void list(List<String> args) throws IOException, UsageException {
        int id = -1;
        boolean json = false;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "-n" -> id = number(args, ++i);
                case "--json" -> json = true;
                default -> throw new UsageException("list: unknown argument '" + args.get(i) + "'");
            }
        }
        List<Layout.Device> devices = new ArrayList<>();
        try (ControlClient control = ControlClient.open()) {
            for (int d : id >= 0 ? List.of(id) : KernelIds.ids()) {
                try {
                    devices.add(read(control, d));
                } catch (ErrnoException e) {
                    if (id >= 0) {
                        throw e.error() == Errno.ENODEV ? new IOException("no device " + id) : e;
                    }
                    // deleted while listing
                }
            }
        } catch (IOException e) {
            throw e.getMessage().startsWith("no device ") ? e
                    : new IOException("cannot list ublk devices: " + e.getMessage(), e);
        }
        if (json) {
            out.println(Layout.json(devices));
            return;
        }
        StringBuilder text = new StringBuilder();
        devices.forEach(d -> Layout.text(d, text));
        if (!text.isEmpty()) {
            out.print(text);
        }
    }

    private Layout.Device read(ControlClient control, int id) throws ErrnoException {
        DevInfo info = control.deviceInfo(id);
        Layout.Device device = new Layout.Device(info, null, record(id, info));
        try {
            return new Layout.Device(info, control.params(id), device.record());
        } catch (ErrnoException e) {
            return device; // a device not started yet has no params to show
        }
    }

    /** The device's record, if jublk added it and left one; a damaged record is shown as none. */
    private DeviceRecord record(int id, DevInfo info) {
        if (records == null || !Layout.isJublks(info)) {
            return null;
        }
        Path file = DeviceRecord.file(records, id);
        try {
            return Files.exists(file) ? DeviceRecord.read(file) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * STOP_DEV, then DEL_DEV_ASYNC where the kernel has it (no served-by-us queue holds /dev/ublkcN here, but
     * a hung process of another server might), else DEL_DEV; and the device's record. {@code -a}: every ublk
     * device of the kernel, as the reference server's {@code del -a}.
     */
    private void del(List<String> args) throws IOException, UsageException {
        List<Integer> ids;
        if (args.size() == 1 && args.get(0).equals("-a")) {
            ids = null;
        } else if (args.size() == 2 && args.get(0).equals("-n")) {
            ids = List.of(number(args, 1));
        } else {
            throw new UsageException("del: -n DEV_ID or -a is needed");
        }
        try (ControlClient control = ControlClient.open()) {
            IOException failed = null;
            for (int id : ids != null ? ids : KernelIds.ids()) {
                try {
                    delete(control, id);
                } catch (ErrnoException e) {
                    if (e.error() == Errno.ENODEV && ids == null) {
                        continue; // gone meanwhile
                    }
                    IOException reason = e.error() == Errno.ENODEV ? new IOException("no device " + id)
                            : new IOException("cannot delete device " + id + ": " + e.getMessage(), e);
                    if (ids != null) {
                        throw reason;
                    }
                    err.println(PREFIX + reason.getMessage());
                    failed = reason;
                }
            }
            if (failed != null) {
                throw new IOException("not every device was deleted");
            }
        }
    }

    private void delete(ControlClient control, int id) throws IOException {
        DevInfo info = control.deviceInfo(id);
        try {
            control.stopDevice(id);
        } catch (ErrnoException e) {
            if (e.error() == Errno.ENODEV) {
                throw e;
            }
            // a device never started, or stopped already: deleting it is what matters
        }
        control.deleteDeviceWithoutWaiting(id);
        if (records != null && Layout.isJublks(info)) {
            Files.deleteIfExists(DeviceRecord.file(records, id));
        }
    }

    private static int number(List<String> args, int i) throws UsageException {
        if (i >= args.size() || !args.get(i).matches("[0-9]{1,7}")) {
            throw new UsageException("-n needs a device id");
        }
        return Integer.parseInt(args.get(i));
    }

    /** Wrong arguments: bin/ublk's exit status 2. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
