package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hung destination costs only its own requests their deadline: other writers and other receivers go on. */
class IsolationTest {
    @TempDir
    Path work;

    @Test
    void fiftyRequestsAgainstAHungDestinationDoNotBlockAnotherReceiver() throws Exception {
        try (Sink hung = Sink.start().answering(n -> new Answer(200, 20_000, Map.of()));
                Sink fast = Sink.start();
                Sink other = Sink.start()) {
            int busyPort = Relay.freePort();
            int otherPort = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("IsolationTest/two-receivers.yaml")
                            .with("busyPort", busyPort)
                            .with("hung.url", hung.url())
                            .with("fast.url", fast.url())
                            .with("otherPort", otherPort)
                            .with("other.url", other.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build();
                long t0 = System.nanoTime();
                List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    busy.add(http.sendAsync(
                            HttpRequest.newBuilder(URI.create(
                                            "http://127.0.0.1:" + busyPort + "/ingest?name=busy.app&from=" + i))
                                    .timeout(Duration.ofSeconds(30))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[50_000]))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                Thread.sleep(500); // the hung destination now holds 50 requests
                long worst = 0;
                for (int i = 0; i < 20; i++) {
                    long s = System.nanoTime();
                    Client.Response r =
                            Client.post(otherPort, "/ingest?name=other.app&from=" + i, new byte[1000], Map.of());
                    worst = Math.max(worst, (System.nanoTime() - s) / 1_000_000);
                    assertEquals(200, r.status(), r.body());
                }
                assertEquals(20, other.count());
                assertTrue(
                        worst < 1500,
                        "the other receiver was slowed down to " + worst + " ms by a hung destination elsewhere");
                for (CompletableFuture<HttpResponse<String>> f : busy) {
                    HttpResponse<String> r = f.get();
                    assertEquals(504, r.statusCode(), r.body());
                    assertTrue(r.body().contains("hung"), r.body());
                }
                long total = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(total < 6000, "every client had its answer near its 4 s deadline, took " + total + " ms");
                assertEquals(50, fast.count(), "the fast destination got every copy");
            }
        }
    }
}
