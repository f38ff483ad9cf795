package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load as SDKs make it: eight clients, each on its own kept-alive connection, pause 0.3-0.9 s between small uploads,
 * so most connections sit idle when a reload happens and new ones arrive during the swap. Twelve valid edits 2.5 s
 * apart: not one request may fail or go unanswered.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PacedReloadTest {
    @TempDir
    Path work;

    private static String routes(int port, String url, String env) {
        return RouteYaml.receiveLabelAndWrite("receive", port, env, url);
    }

    private void save(String text) throws Exception {
        Relay.replaceRoute(work, "relay.yaml", text);
    }

    @Test
    void pacedClientsSeeNoFailureAcrossTwelveReloads() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", routes(port, sink.url(), "e0"));
            try (Relay relay = Relay.start(work)) {
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger ok = new AtomicInteger();
                Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    Thread t = new Thread(() -> upload(port, running, ok, failures), "sdk-" + c);
                    t.start();
                    clients.add(t);
                }
                for (int edit = 1; edit <= 12; edit++) {
                    Thread.sleep(2500); // the pace of the edits is what this test is about
                    save(routes(port, sink.url(), "e" + edit));
                }
                String last = "env%3De12";
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (sink.all().stream().noneMatch(r -> r.rawQuery().contains(last))) {
                    assertTrue(System.nanoTime() < end, "the last edit was not applied within 30 s");
                    Thread.sleep(50);
                }
                running.set(false);
                for (Thread t : clients) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                    assertTrue(!t.isAlive(), t.getName() + " is still waiting for an answer");
                }
                System.out.println(ok.get() + " paced requests during 12 reloads, failed: " + failures);
                assertEquals(Map.of(), Map.copyOf(failures), "requests failed during reloads");
                assertTrue(ok.get() > 100, "clients kept uploading: " + ok.get());
                assertEquals(ok.get(), sink.count(), "every request answered 200 was delivered once");
            }
        }
    }

    /** One SDK: its own client (one kept-alive connection), a small upload, a pause, again. */
    private static void upload(int port, AtomicBoolean running, AtomicInteger ok, Map<String, AtomicInteger> failures) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest?name=paced.app"))
                .timeout(Duration.ofSeconds(10)) // what SDKs wait
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3}))
                .build();
        while (running.get()) {
            String outcome;
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                outcome = r.statusCode() == 200
                        ? null
                        : r.statusCode() + " " + r.body().trim();
            } catch (Exception e) {
                outcome = e.toString();
            }
            if (outcome == null) {
                ok.incrementAndGet();
            } else {
                failures.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
            }
            try {
                Thread.sleep(ThreadLocalRandom.current().nextLong(300, 900)); // an SDK's pause, shortened
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
