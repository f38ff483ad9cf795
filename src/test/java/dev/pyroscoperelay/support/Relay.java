package dev.pyroscoperelay.support;

import dev.pyroscoperelay.app.RelayMain;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

/** The relay as `java -jar` runs it, started in-process from a working directory. */
public final class Relay implements AutoCloseable {
    private final Main main;
    private final int managementPort;

    private Relay(Main main, int managementPort) {
        this.main = main;
        this.managementPort = managementPort;
    }

    public static Relay start(Path workDir) throws Exception {
        return start(workDir, Map.of());
    }

    public static Relay start(Path workDir, Map<String, String> properties) throws Exception {
        Main main = new Main();
        int mgmt = freePort();
        main.addOverrideProperty("camel.management.port", String.valueOf(mgmt));
        // a test that blocks an event loop must fail, not halt the test JVM (ZombieTest checks the exit in a child JVM)
        main.addOverrideProperty("pyroscope.relay.exit-on-dead-event-loop", "false");
        properties.forEach(main::addOverrideProperty);
        RelayMain.configure(main, workDir);
        main.start();
        return new Relay(main, mgmt);
    }

    /** Starts with only the working directory's configuration (no test overrides). */
    public static Relay startWithoutOverrides(Path workDir) throws Exception {
        Main main = new Main();
        RelayMain.configure(main, workDir);
        main.start();
        return new Relay(main, -1);
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public int managementPort() {
        return managementPort;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    /** Writes routes/&lt;name&gt; in workDir. */
    public static Path writeRoute(Path workDir, String fileName, String yaml) throws IOException {
        Path routes = Files.createDirectories(workDir.resolve("routes"));
        return Files.writeString(routes.resolve(fileName), yaml);
    }

    /** Replaces a route file as an editor or a deployment does: a temporary file renamed over it. */
    public static void replaceRoute(Path workDir, String fileName, String yaml) throws IOException {
        Path tmp = workDir.resolve(fileName + ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, workDir.resolve("routes").resolve(fileName), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
