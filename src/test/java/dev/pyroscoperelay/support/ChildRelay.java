package dev.pyroscoperelay.support;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The relay in a JVM of its own, started with the README's JVM flags (read from the README's run command, so the
 * tests run what users run), from a working directory with routes/. For tests of memory, crashes and exits.
 */
public final class ChildRelay implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int managementPort;

    private ChildRelay(Process process, Path log, int managementPort) {
        this.process = process;
        this.log = log;
        this.managementPort = managementPort;
    }

    /** The JVM options of the README's first command (`java ... -jar`), without the CDS archive of a packaged jar. */
    public static List<String> readmeJvmFlags() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("```sh\\n[^\\n]*?java (.*?) -jar target/pyroscope-relay.jar")
                .matcher(readme);
        if (!m.find()) {
            throw new IllegalStateException("README.md has no run command `java ... -jar target/pyroscope-relay.jar`");
        }
        List<String> flags = new ArrayList<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        flags.removeIf(f -> f.startsWith("-XX:SharedArchiveFile"));
        return flags;
    }

    /** Starts the relay from the test classpath in workDir (which has routes/) and waits until port accepts connections. */
    public static ChildRelay start(Path workDir, int port, String... properties) throws Exception {
        return start(
                workDir,
                port,
                List.of("-cp", System.getProperty("java.class.path"), "dev.pyroscoperelay.app.RelayMain"),
                properties);
    }

    /** Starts target/pyroscope-relay.jar, the runnable relay as `mvn package` makes it, with its AppCDS archive. */
    public static ChildRelay startJar(Path workDir, int port, String... properties) throws Exception {
        Path jar = Path.of("target/pyroscope-relay.jar").toAbsolutePath();
        List<String> run = new ArrayList<>();
        run.add("-XX:SharedArchiveFile=" + jar.resolveSibling("pyroscope-relay.jsa"));
        run.add("-jar");
        run.add(jar.toString());
        return start(workDir, port, run, properties);
    }

    private static ChildRelay start(Path workDir, int port, List<String> what, String... properties) throws Exception {
        int mgmt = Relay.freePort();
        List<String> command = new ArrayList<>();
        command.addAll(readmeJvmFlags());
        command.add("-Dcamel.management.port=" + mgmt);
        // every buffer Netty allocates is tracked: a leak is reported in the log, which the tests check
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.addAll(List.of(properties));
        command.addAll(what);
        return run(workDir, workDir.resolve("relay.log"), port, mgmt, command);
    }

    /**
     * Runs {@code java <arguments>} in {@code workDir} (the test's JDK), its output in {@code log}, and waits until
     * {@code port} accepts connections; {@code managementPort} is where its health and metrics are.
     */
    public static ChildRelay run(Path workDir, Path log, int port, int managementPort, List<String> arguments)
            throws Exception {
        int mgmt = managementPort;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(arguments);
        Process p = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        ChildRelay relay = new ChildRelay(p, log, mgmt);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IllegalStateException("relay exited with " + p.exitValue() + ":\n" + relay.log());
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return relay;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        relay.close();
        throw new IllegalStateException("relay did not listen on " + port + ":\n" + relay.log());
    }

    public Process process() {
        return process;
    }

    public int managementPort() {
        return managementPort;
    }

    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** Peak resident memory of the relay's JVM so far (VmHWM), in MiB. */
    public long peakRssMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        throw new IllegalStateException("no VmHWM for " + process.pid());
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
