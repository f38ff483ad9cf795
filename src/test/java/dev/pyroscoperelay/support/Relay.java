package dev.pyroscoperelay.support;

import dev.pyroscoperelay.app.RelayMain;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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

    /** Test ports: below Linux's ephemeral range (32768-60999), a block of PORTS_PER_JVM per Surefire fork. */
    private static final int FIRST_PORT = 20000;

    private static final int PORTS_PER_JVM = 3000;
    private static final AtomicInteger NEXT_PORT = new AtomicInteger();

    /**
     * A port nothing listens on, for a test to bind (or to leave closed: a destination that is down). Not the OS's
     * choice (port 0): that comes from the ephemeral range, where the other test JVM and every outgoing connection
     * take ports too, so a port a test keeps closed could be bound by another test meanwhile. Each test JVM takes its
     * own block ({@code test.fork}, Surefire's fork number, set by the pom) and hands its ports out in turn.
     */
    public static int freePort() throws IOException {
        int fork = Integer.getInteger("test.fork", 1);
        int first = FIRST_PORT + Math.floorMod(fork - 1, 4) * PORTS_PER_JVM;
        for (int tried = 0; tried < PORTS_PER_JVM; tried++) {
            int port = first + Math.floorMod(NEXT_PORT.getAndIncrement(), PORTS_PER_JVM);
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException inUse) {
                // something of this machine's has it: the next one
            }
        }
        throw new IOException("no free port in " + first + "-" + (first + PORTS_PER_JVM - 1));
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
