package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A writer with bufferPath: stored before 200, delivered when the destination is back, bounded, aged, checked. */
class DurableBufferTest {
    @TempDir
    Path work;

    private int port;
    private int destination;
    private String maxBackoff = "200ms";

    private String route(String bufferOptions) {
        return RouteFile.of("DurableBufferTest/relay.yaml")
                .with("port", port)
                .with("destination", destination)
                .with("buffer.dir", work.resolve("buffer"))
                .with("maxBackoff", maxBackoff)
                .with("bufferOptions", bufferOptions)
                .yaml();
    }

    private Relay start(String bufferOptions) throws Exception {
        port = Relay.freePort();
        destination = destination == 0 ? Relay.freePort() : destination;
        Relay.writeRoute(work, "relay.yaml", route(bufferOptions));
        return Relay.start(work);
    }

    private static byte[] body(int id, int size) {
        byte[] b = new byte[size];
        new Random(id).nextBytes(b);
        return b;
    }

    private Client.Response upload(int id, int size) throws Exception {
        return Client.post(port, "/ingest?name=buffered.app%7Bid%3D" + id + "%7D", body(id, size), Map.of());
    }

    private static int id(Sink.Received r) {
        return Integer.parseInt(Fixtures.forwardedName(r.rawQuery()).labels().get("id"));
    }

    static double metric(Relay relay, String name, String labels) throws Exception {
        String text = Client.get(relay.managementPort(), "/observe/metrics").body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{" + Pattern.quote(labels) + "\\} (\\S+)$")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, what + " within 60 s");
            Thread.sleep(50);
        }
    }

    @Test
    void destinationDownThenBackEveryProfileArrivesOnceOldestFirst() throws Exception {
        try (Relay relay = start("")) {
            for (int i = 0; i < 500; i++) {
                Client.Response r = upload(i, 2000 + i);
                assertEquals(200, r.status(), "upload " + i + " while the destination is down: " + r.body());
            }
            assertEquals(500, metric(relay, "pyroscope_relay_write_buffer_profiles", "writer=\"buffered\""));
            try (Sink sink = Sink.start(destination)) {
                await("500 deliveries", () -> sink.count() >= 500);
                Thread.sleep(300);
                List<Sink.Received> got = sink.all();
                assertEquals(500, got.size(), "each profile once");
                int highest = -1;
                boolean[] seen = new boolean[500];
                for (Sink.Received r : got) {
                    int id = id(r);
                    assertFalse(seen[id], "profile " + id + " twice");
                    seen[id] = true;
                    assertArrayEquals(body(id, 2000 + id), r.body(), "body of " + id);
                    assertEquals(
                            "buffered.app",
                            Fixtures.forwardedName(r.rawQuery()).labels().get("service_name"));
                    highest = Math.max(highest, id);
                    // 16 are sent at once, and one that fails on the way is tried again behind the others
                    assertTrue(highest - id <= 32, "oldest first (sends overlap): " + id + " after " + highest);
                }
                await("an empty buffer", () -> {
                    try {
                        return metric(relay, "pyroscope_relay_write_buffer_profiles", "writer=\"buffered\"") == 0;
                    } catch (Exception e) {
                        return false;
                    }
                });
                assertEquals(500, metric(relay, "pyroscope_relay_write_sent_profiles_total", "writer=\"buffered\""));
                assertEquals(
                        500,
                        metric(relay, "pyroscope_relay_write_buffer_stored_profiles_total", "writer=\"buffered\""));
            }
        }
    }

    @Test
    void fullBufferRejectsWithRetryAfterAndKeepsWhatItAcknowledged() throws Exception {
        try (Relay relay = start("bufferMaxSize: 20KiB")) {
            List<Integer> stored = new ArrayList<>();
            HttpClient http = HttpClient.newHttpClient();
            for (int i = 0; i < 8; i++) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://127.0.0.1:" + port + "/ingest?name=buffered.app%7Bid%3D" + i + "%7D"))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body(i, 4000)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    stored.add(i);
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals("5", r.headers().firstValue("Retry-After").orElse(null));
                    assertTrue(r.body().contains("bufferMaxSize"), r.body());
                }
            }
            assertEquals(List.of(0, 1, 2, 3), stored, "4 of 4 KB fit 20 KiB");
            assertEquals(
                    4,
                    metric(
                            relay,
                            "pyroscope_relay_write_dropped_profiles_total",
                            "reason=\"full\",writer=\"buffered\""));
            try (Sink sink = Sink.start(destination)) {
                await("the 4 stored", () -> sink.count() >= 4);
                Thread.sleep(300);
                assertEquals(
                        List.of(0, 1, 2, 3),
                        sink.all().stream().map(DurableBufferTest::id).sorted().toList());
            }
        }
    }

    @Test
    void dropOldestMakesRoomForNewProfiles() throws Exception {
        try (Relay relay = start("bufferMaxSize: 20KiB\nbufferWhenFull: dropOldest")) {
            for (int i = 0; i < 10; i++) {
                assertEquals(200, upload(i, 4000).status());
            }
            try (Sink sink = Sink.start(destination)) {
                await("the newest 4", () -> sink.count() >= 4);
                Thread.sleep(300);
                List<Integer> ids =
                        sink.all().stream().map(DurableBufferTest::id).sorted().toList();
                // the one being probed when the buffer filled may have survived too
                assertTrue(ids.containsAll(List.of(7, 8, 9)) && ids.size() <= 5, "delivered " + ids);
                double dropped = metric(
                        relay, "pyroscope_relay_write_dropped_profiles_total", "reason=\"full\",writer=\"buffered\"");
                assertEquals(10, dropped + ids.size(), "every profile delivered or counted as dropped");
            }
        }
    }

    @Test
    void profilesOlderThanMaxAgeAreDropped() throws Exception {
        try (Relay relay = start("bufferMaxAge: 1s")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, upload(i, 1000).status());
            }
            Thread.sleep(2000);
            try (Sink sink = Sink.start(destination)) {
                assertEquals(200, upload(3, 1000).status());
                await("the fresh one", () -> sink.count() >= 1);
                Thread.sleep(500);
                assertEquals(
                        List.of(3),
                        sink.all().stream().map(DurableBufferTest::id).toList());
                assertEquals(
                        3,
                        metric(
                                relay,
                                "pyroscope_relay_write_dropped_profiles_total",
                                "reason=\"max_age\",writer=\"buffered\""));
            }
        }
    }

    @Test
    void aCorruptFileIsSkippedAndTheRestDelivered() throws Exception {
        Path ready = Files.createDirectories(work.resolve("buffer/new"));
        Files.writeString(ready.resolve("0000000000001-000000001.profile"), "PYROSCOPE-RELAY-PROFILE 1\ngarbage");
        Files.write(ready.resolve("0000000000002-000000002.profile"), new byte[] {1, 2, 3});
        try (Sink sink = Sink.start(destination = Relay.freePort());
                Relay relay = start("")) {
            assertEquals(200, upload(7, 1000).status());
            await("the valid one", () -> sink.count() >= 1);
            Thread.sleep(300);
            assertEquals(
                    List.of(7), sink.all().stream().map(DurableBufferTest::id).toList());
            assertEquals(
                    2,
                    metric(
                            relay,
                            "pyroscope_relay_write_dropped_profiles_total",
                            "reason=\"corrupt\",writer=\"buffered\""));
            try (var files = Files.list(ready)) {
                assertEquals(List.of(), files.toList());
            }
        }
    }

    @Test
    void aNonRetryableAnswerDropsThatProfileAndDeliveryGoesOn() throws Exception {
        try (Sink sink = Sink.start(destination = Relay.freePort())
                        .answering(n -> n == 1 ? Answer.status(400) : Answer.status(200));
                Relay relay = start("")) {
            assertEquals(200, upload(1, 1000).status());
            assertEquals(200, upload(2, 1000).status());
            await("both tried", () -> sink.count() >= 2);
            Thread.sleep(300);
            assertEquals(2, sink.count(), "the refused one is not sent again");
            assertEquals(
                    1,
                    metric(
                            relay,
                            "pyroscope_relay_write_dropped_profiles_total",
                            "reason=\"rejected\",writer=\"buffered\""));
            assertEquals(1, metric(relay, "pyroscope_relay_write_sent_profiles_total", "writer=\"buffered\""));
        }
    }

    @Test
    void twoWritersCannotShareABufferDirectory() throws Exception {
        try (Relay first = start("")) {
            Path other = work.resolve("other");
            Files.createDirectories(other);
            int otherPort = Relay.freePort();
            Relay.writeRoute(other, "relay.yaml", route("").replace("listenPort: " + port, "listenPort: " + otherPort));
            Exception e = assertThrows(Exception.class, () -> Relay.start(other).close());
            String messages = "";
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages += t.getMessage() + "\n";
            }
            assertTrue(
                    messages.contains("bufferPath " + work.resolve("buffer") + " is in use by another relay or writer"),
                    messages);
            assertEquals(200, upload(1, 100).status(), "the first relay keeps working");
        }
    }

    /** Many sends failing at once are one failure, not many: the backoff must not jump to maxBackoffPeriod. */
    @Test
    void concurrentFailuresAreOneBackoffStep() throws Exception {
        maxBackoff = "5m";
        try (Relay relay = start("")) {
            java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(16);
            List<java.util.concurrent.Future<Client.Response>> answers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int id = i;
                answers.add(clients.submit(() -> upload(id, 1000)));
            }
            for (java.util.concurrent.Future<Client.Response> a : answers) {
                assertEquals(200, a.get(30, TimeUnit.SECONDS).status());
            }
            clients.shutdown();
            try (Sink sink = Sink.start(destination)) {
                // 20 ms doubling per failure round: a few seconds are plenty; stepped once per failed send, 16 sends
                // failing together would make it 20 ms << 16, capped at 5 minutes
                await("all 64 after the outage", () -> sink.count() >= 64);
            }
        }
    }

    /** A hot reload stops the old writer (releasing its directory) before the new one takes it over. */
    @Test
    void aReloadHandsTheBufferToTheNewWriter() throws Exception {
        try (Sink sink = Sink.start(destination = Relay.freePort());
                Relay relay = start("")) {
            assertEquals(200, upload(1, 500).status());
            String edited = route("").replace("name: buffered", "name: buffered2");
            Relay.replaceRoute(work, "relay.yaml", edited);
            await("the reloaded writer", () -> {
                try {
                    return upload(2, 500).status() == 200
                            && metric(relay, "pyroscope_relay_write_sent_profiles_total", "writer=\"buffered2\"") >= 1;
                } catch (Exception e) {
                    return false;
                }
            });
            assertTrue(sink.count() >= 2);
        }
    }

    /** After a reload, the buffer gauges read the new writer's buffer (Micrometer keeps a gauge registered first). */
    @Test
    void afterAReloadTheGaugesReadTheNewBuffer() throws Exception {
        Relay relay;
        try (Sink sink = Sink.start(destination = Relay.freePort())) {
            relay = start("");
            assertEquals(200, upload(1, 500).status());
            // the same writer name, another setting: a new writer and a new buffer on the same directory
            maxBackoff = "300ms";
            Relay.replaceRoute(work, "relay.yaml", route(""));
            await("the reloaded writer", () -> {
                try {
                    return upload(2, 500).status() == 200 && sink.count() >= 2;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        try (relay) {
            // the destination is gone: profiles wait in the new buffer, and its gauge says so
            assertEquals(200, upload(3, 500).status());
            await("the gauge of the new buffer", () -> {
                try {
                    return metric(relay, "pyroscope_relay_write_buffer_profiles", "writer=\"buffered\"") >= 1;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    /** The seed's multiple-destinations shape with staging buffered: staging down does not slow production. */
    @Test
    void aBufferedDestinationThatIsDownDoesNotHoldUpTheOther() throws Exception {
        try (Sink production = Sink.start()) {
            port = Relay.freePort();
            int staging = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("DurableBufferTest/buffered-and-direct.yaml")
                            .with("port", port)
                            .with("staging", staging)
                            .with("staging.buffer.dir", work.resolve("staging-buffer"))
                            .with("production.url", production.url())
                            .yaml());
            try (Relay relay = start0()) {
                long slowest = 0;
                for (int i = 0; i < 50; i++) {
                    long t0 = System.nanoTime();
                    assertEquals(200, upload(i, 2000).status());
                    slowest = Math.max(slowest, System.nanoTime() - t0);
                }
                assertEquals(50, production.count());
                System.out.println("slowest upload with staging down: " + slowest / 1_000_000 + " ms");
                assertTrue(slowest < TimeUnit.SECONDS.toNanos(2), "no upload waited for the dead staging destination");
                try (Sink stagingSink = Sink.start(staging)) {
                    await("staging catching up", () -> stagingSink.count() >= 50);
                    Map<Integer, String> env = new HashMap<>();
                    for (Sink.Received r : stagingSink.all()) {
                        env.put(
                                id(r),
                                Fixtures.forwardedName(r.rawQuery()).labels().get("env"));
                    }
                    assertEquals(50, env.size());
                    assertTrue(
                            env.values().stream().allMatch("staging"::equals), "staging's labels were stored: " + env);
                }
            }
        }
    }

    private Relay start0() throws Exception {
        return Relay.start(work);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
