package io.jublk.itest;

import static org.ops4j.pax.exam.CoreOptions.systemTimeout;
import static org.ops4j.pax.exam.CoreOptions.vmOption;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.keepRuntimeFolder;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;

/** The Pax Exam set-up shared by the tests: jublk's own Karaf assembly, unpacked under target/exam. */
final class KarafOptions {
    private KarafOptions() {
    }

    static Option[] jublkKaraf() {
        Path assembly = Path.of(System.getProperty("jublk.assembly", "../karaf-assembly/target/jublk-karaf.tar.gz"));
        if (!assembly.toFile().isFile()) {
            throw new IllegalStateException("no Karaf assembly at " + assembly.toAbsolutePath()
                    + ": build the reactor first (mvn install)");
        }
        long timeoutMillis = Long.getLong("jublk.it.timeout.seconds", 900) * 1000;
        List<Option> options = new ArrayList<>(List.of(
            karafDistributionConfiguration()
                    .frameworkUrl(assembly.toUri().toString())
                    .name("jublk Karaf")
                    .unpackDirectory(new File("target/exam"))
                    .useDeployFolder(false),
            keepRuntimeFolder(),
            configureConsole().ignoreLocalConsole(),
            logLevel(LogLevel.INFO),
            systemTimeout(timeoutMillis),
            vmOption("--enable-native-access=ALL-UNNAMED"),
            // OperatorIT: the Prometheus endpoint, and a device declared before the container starts
            editConfigurationFilePut("etc/io.jublk.core.cfg", "metricsPort", String.valueOf(OperatorIT.METRICS_PORT)),
            editConfigurationFilePut(OperatorIT.DECLARED_FILE, "id", String.valueOf(OperatorIT.DECLARED_ID)),
            editConfigurationFilePut(OperatorIT.DECLARED_FILE, "type", "null"),
            editConfigurationFilePut(OperatorIT.DECLARED_FILE, "option.size", "64M")));
        // Extra JVM options for Karaf, e.g. C1 only under TCG, where compiling costs as much as running.
        for (String extra : System.getProperty("jublk.it.karaf.vmOptions", "").trim().split("\\s+")) {
            if (!extra.isEmpty()) {
                options.add(vmOption(extra));
            }
        }
        return options.toArray(Option[]::new);
    }
}
