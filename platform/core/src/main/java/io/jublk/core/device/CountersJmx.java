package io.jublk.core.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.management.DynamicMBean;
import javax.management.NotCompliantMBeanException;
import javax.management.StandardMBean;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * Publishes {@link CountersMXBean} as an OSGi service with a {@code jmx.objectname}: Karaf's Aries JMX
 * whiteboard puts it into the MBean server (and its JMX ACLs apply). It reads the queues' counters when
 * asked, never on the queue threads.
 */
@Component(immediate = true)
public class CountersJmx implements CountersMXBean {
    public static final String OBJECT_NAME = "io.jublk:type=Counters";

    @Reference
    private UblkService ublk;

    private ServiceRegistration<DynamicMBean> registration;

    public CountersJmx() {
    }

    /** For tests. */
    CountersJmx(UblkService ublk) {
        this.ublk = ublk;
    }

    @Activate
    void activate(BundleContext context) throws NotCompliantMBeanException {
        registration = context.registerService(DynamicMBean.class, mbean(),
                new java.util.Hashtable<>(Map.of("jmx.objectname", OBJECT_NAME)));
    }

    @Deactivate
    void deactivate() {
        if (registration != null) {
            registration.unregister();
            registration = null;
        }
    }

    /** This object as an MXBean (open types: any JMX console shows it). */
    DynamicMBean mbean() throws NotCompliantMBeanException {
        return new StandardMBean(this, CountersMXBean.class, true);
    }

    @Override
    public List<Row> getDevices() {
        List<Row> rows = new ArrayList<>();
        Map<Integer, DeviceEvents> events = ublk.events();
        ublk.counters().forEach((id, queues) -> rows.add(Row.of(id, IoCounters.sum(queues),
                events.getOrDefault(id, DeviceEvents.NONE))));
        return rows;
    }
}
