package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import java.io.File;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SIGTERM while a request waits on a slow destination: the request finishes with 200, then the process exits 0. */
class GracefulShutdownTest {
    @TempDir
    Path work;

    @Test
    void sigtermLetsInFlightRequestsFinish() throws Exception {
        try (Sink slow = Sink.start().answering(n -> new Answer(200, 3000, Map.of()))) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", RouteYaml.receiveAndWrite("receive", port, slow.url()));
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process relay = new ProcessBuilder(List.of(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            "-Dcamel.management.port=" + Relay.freePort(),
                            "dev.pyroscoperelay.app.RelayMain"))
                    .directory(work.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(work.resolve("relay.log").toFile())
                    .start();
            try {
                awaitPort(port);
                CompletableFuture<Client.Response> inFlight = CompletableFuture.supplyAsync(() -> {
                    try {
                        return Client.post(port, "/ingest?name=slow.app", new byte[] {1}, Map.of());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // a cold child JVM on a busy machine may take a while for its first request
                dev.pyroscoperelay.support.Await.until(
                        "the request reached the slow destination", Duration.ofSeconds(30), () -> slow.count() == 1);
                relay.destroy(); // SIGTERM
                Client.Response r = inFlight.get(20, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.body());
                assertTrue(relay.waitFor(20, TimeUnit.SECONDS), "the relay exits after its in-flight requests");
                assertEquals(0, relay.exitValue(), Files.readString(work.resolve("relay.log")));
            } finally {
                relay.destroyForcibly();
            }
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < end) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (Exception e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("relay did not listen on " + port + File.separator);
    }
}
