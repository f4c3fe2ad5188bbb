package io.jublk.itest;

import org.junit.ClassRule;
import org.junit.runner.RunWith;
import org.junit.runners.Suite;

/**
 * Every container test in one Karaf boot per guest kernel: a boot costs minutes under TCG. Pax Exam's
 * PerSuite strategy keeps its container until the last registered test class has run, and a JUnit suite
 * registers all of them before the first starts (run one by one, each class would boot its own).
 * The guest's Ceph cluster (for RbdConsoleIT) starts with the suite, while Karaf boots, and stops after it.
 * NoLostDeviceIT goes last: it restarts the core bundle.
 */
@RunWith(Suite.class)
@Suite.SuiteClasses({PlatformIT.class, OperatorIT.class, DeviceConsoleIT.class, Qcow2ConsoleIT.class,
        RbdConsoleIT.class, NoLostDeviceIT.class})
public class ContainerSuiteIT {
    @ClassRule
    public static final GuestCeph CEPH = new GuestCeph();
}
