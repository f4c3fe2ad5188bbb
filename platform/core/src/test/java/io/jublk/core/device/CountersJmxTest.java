package io.jublk.core.device;

import static org.junit.Assert.assertEquals;

import io.jublk.target.TargetFactory;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import org.junit.Test;

/** The counters as a JMX client sees them: open types, a row a device, the queues summed. */
public class CountersJmxTest {

    @Test
    public void aRowADeviceQueuesSummed() throws Exception {
        long[] q0 = new long[io.jublk.core.queue.QueueCounters.LENGTH];
        long[] q1 = new long[io.jublk.core.queue.QueueCounters.LENGTH];
        q0[0] = 10; // reads
        q0[5] = 40960; // read bytes
        q1[0] = 5;
        q1[5] = 20480;
        q1[1] = 2; // writes
        q1[6] = 8192;
        q1[10] = 1; // read errors
        q0[io.jublk.core.queue.QueueCounters.ARRIVALS] = 12; // 2 in flight
        q0[io.jublk.core.queue.QueueCounters.COMMITS] = 10;
        q1[io.jublk.core.queue.QueueCounters.HELD] = 3;
        q0[io.jublk.core.queue.QueueCounters.LATENCY + 10] = 10; // 10 requests in bucket 10, 5 in 20
        q1[io.jublk.core.queue.QueueCounters.LATENCY + 20] = 5;
        UblkService core = new UblkService() {
            @Override
            public Map<Integer, List<IoCounters>> counters() {
                return Map.of(7, List.of(new IoCounters(q0), new IoCounters(q1)));
            }

            @Override
            public Map<Integer, DeviceEvents> events() {
                return Map.of(7, new DeviceEvents(4, 1));
            }

            @Override
            public long kernelFeatures() {
                return 0;
            }

            @Override
            public Collection<TargetFactory> targets() {
                return List.of();
            }

            @Override
            public DeviceStatus add(DeviceSpec spec) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void delete(int id) {
            }

            @Override
            public DeviceStatus recover(int id) {
                throw new UnsupportedOperationException();
            }

            @Override
            public List<DeviceStatus> list() {
                return List.of();
            }

            @Override
            public List<DeviceStatus> unserved() {
                return List.of();
            }
        };
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName(CountersJmx.OBJECT_NAME);
        server.registerMBean(new CountersJmx(core).mbean(), name);
        try {
            CompositeData[] rows = (CompositeData[]) server.getAttribute(name, "Devices");
            assertEquals(1, rows.length);
            assertEquals(7, rows[0].get("id"));
            assertEquals(15L, rows[0].get("reads"));
            assertEquals(61440L, rows[0].get("readBytes"));
            assertEquals(2L, rows[0].get("writes"));
            assertEquals(8192L, rows[0].get("writeBytes"));
            assertEquals(1L, rows[0].get("errors"));
            assertEquals(2L, rows[0].get("inFlight"));
            assertEquals(3L, rows[0].get("held"));
            assertEquals(4L, rows[0].get("targetSwaps"));
            assertEquals(1L, rows[0].get("recoveries"));
            assertEquals(15L, rows[0].get("latencyCount"));
            long p50 = (Long) rows[0].get("latencyP50Nanos");
            long p99 = (Long) rows[0].get("latencyP99Nanos");
            assertEquals("p50 in bucket 10", 10, io.jublk.core.queue.LatencyHistogram.bucket(p50));
            assertEquals("p99 in bucket 20", 20, io.jublk.core.queue.LatencyHistogram.bucket(p99));
        } finally {
            server.unregisterMBean(name);
        }
    }
}
