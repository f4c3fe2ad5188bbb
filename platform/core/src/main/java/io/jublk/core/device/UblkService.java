package io.jublk.core.device;

import io.jublk.target.TargetFactory;
import java.io.IOException;
import java.util.Collection;
import java.util.List;

/** The core as the console and the CLI see it. Published as an OSGi service by the core bundle. */
public interface UblkService {

    /** The defaults new devices get where the user names none ({@code etc/io.jublk.core.cfg}). */
    default CoreConfig defaults() {
        return CoreConfig.DEFAULT;
    }

    /** The UBLK_F_* features of the running kernel's ublk driver (GET_FEATURES). */
    long kernelFeatures() throws IOException;

    /** The target types available now. */
    Collection<TargetFactory> targets();

    /**
     * Adds a device and starts serving it; returns once /dev/ublkbN exists. Bad options, an unknown type
     * or a kernel refusal throw with a one-line message and leave no device behind.
     */
    DeviceStatus add(DeviceSpec spec) throws IOException;

    /** Stops and deletes device {@code id}. */
    void delete(int id) throws IOException;

    /**
     * Serves device {@code id} again: one left QUIESCED by a previous server (crash, kill -9) is taken over
     * with user recovery; one whose target is away gets a fresh target. Returns once it is served.
     */
    DeviceStatus recover(int id) throws IOException;

    /**
     * Serves again device {@code spec.id()}, which the kernel still has (QUIESCED, with user recovery) but
     * whose record is lost (a new data/ folder): {@code spec} (a declared device) stands for the record. Only
     * a device a jublk server made is taken; another server's is refused.
     */
    default DeviceStatus adopt(DeviceSpec spec) throws IOException {
        throw new IOException("this core cannot adopt device " + spec.id());
    }

    /**
     * The request counters of each device this server serves, by id, then by queue (none for a device
     * without queues now); from the queues' start. Needs no ublk driver.
     */
    default java.util.Map<Integer, List<IoCounters>> counters() {
        return java.util.Map.of();
    }

    /** Target swaps and recoveries of each device this server knows, by id, since this server started. */
    default java.util.Map<Integer, DeviceEvents> events() {
        return java.util.Map.of();
    }

    /** The devices this server serves or knows from its records, by id. */
    List<DeviceStatus> list() throws IOException;

    /**
     * The kernel's ublk devices that this server does not serve (another server's, or left behind by a dead
     * one), by id, as GET_DEV_INFO shows them; {@link DeviceStatus#served()} is false for each.
     */
    List<DeviceStatus> unserved() throws IOException;
}
