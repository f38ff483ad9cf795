package dev.pyroscoperelay.support;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache Kafka 4.x broker (KRaft, one node that is broker and controller) in a child JVM, with the classpath
 * src/test/kafka-broker/pom.xml resolves from Maven Central. Stop it and start it again on the same
 * port and data.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final String CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg";
    /** A data directory as StorageTool formats it, once per test JVM. */
    private static Path formatted;

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private Process process;

    private KafkaBroker(Path dir, int port, int controllerPort) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** A formatted broker in dir, started; about 3 s. */
    public static KafkaBroker start(Path dir) throws Exception {
        KafkaBroker b = new KafkaBroker(dir, Relay.freePort(), Relay.freePort());
        Files.writeString(dir.resolve("server.properties"), """
                process.roles=broker,controller
                node.id=1
                controller.quorum.voters=1@127.0.0.1:%d
                listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d
                advertised.listeners=PLAINTEXT://127.0.0.1:%d
                controller.listener.names=CONTROLLER
                listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
                inter.broker.listener.name=PLAINTEXT
                log.dirs=%s
                num.partitions=4
                offsets.topic.replication.factor=1
                offsets.topic.num.partitions=4
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                group.initial.rebalance.delay.ms=0
                message.max.bytes=67108864
                replica.fetch.max.bytes=67108864
                """.formatted(
                        b.controllerPort,
                        b.port,
                        b.controllerPort,
                        b.port,
                        dir.resolve("data").toAbsolutePath()));
        b.format();
        b.startAgain();
        return b;
    }

    /**
     * Formats the data directory: the first broker of the test JVM runs Kafka's StorageTool (a JVM of its own, about a
     * second), the others get a copy of what it wrote (nothing in it depends on ports or paths).
     */
    private void format() throws Exception {
        Path data = dir.resolve("data");
        synchronized (KafkaBroker.class) {
            if (formatted == null) {
                java("kafka.tools.StorageTool", "format", "-t", CLUSTER_ID, "-c", "server.properties")
                        .waitFor(60, TimeUnit.SECONDS);
                formatted = Files.createTempDirectory("kafka-formatted");
                copy(data, formatted);
                return;
            }
        }
        copy(formatted, data);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Starts the broker (after {@link #stop}) on the same port and data. */
    public void startAgain() throws Exception {
        process = java("kafka.Kafka", "server.properties");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the Kafka broker exited:\n" + Files.readString(dir.resolve("broker.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the Kafka broker did not listen within 60 s");
    }

    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
    }

    /** Kills the broker: its data is a test's temporary directory, nothing needs a clean shutdown. */
    @Override
    public void close() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process java(String main, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        // a broker lives for seconds in a test: C1 only and one GC thread leave the CPU to the test and the relay
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-XX:+UseSerialGC");
        command.add("-cp");
        command.add(classpath());
        command.add(main);
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("broker.log").toFile()))
                .start();
    }

    /** The broker's classpath, resolved once per build by Maven (from src/test/kafka-broker/pom.xml). */
    private static synchronized String classpath() throws Exception {
        Path file = Path.of("target/kafka-broker.classpath").toAbsolutePath();
        if (!Files.exists(file)) {
            String mvn = System.getProperty("os.name").toLowerCase().contains("win") ? "mvn.cmd" : "mvn";
            Process p = new ProcessBuilder(
                            mvn,
                            "-B",
                            "-q",
                            "-f",
                            Path.of("src/test/kafka-broker/pom.xml")
                                    .toAbsolutePath()
                                    .toString(),
                            "dependency:build-classpath",
                            "-Dmdep.outputFile=" + file)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0 || !Files.exists(file)) {
                throw new IllegalStateException(
                        "could not resolve the Kafka broker from Maven (src/test/kafka-broker)");
            }
        }
        return Files.readString(file).trim();
    }
}
