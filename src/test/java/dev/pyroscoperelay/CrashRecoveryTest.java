package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a relay with a buffered writer while clients upload and the destination is slow, then a start on the
 * same bufferPath: every upload that was answered 200 reaches the destination (at least once; duplicates are counted).
 */
class CrashRecoveryTest {
    @TempDir
    Path work;

    @Test
    void everyAcknowledgedUploadIsDeliveredAfterSigkill() throws Exception {
        // until the kill the destination takes 1 s per profile on at most 4 connections, far below what 8 clients
        // upload, however fast the machine is: acknowledged profiles wait on disk when the relay dies
        AtomicBoolean slow = new AtomicBoolean(true);
        try (Sink sink = Sink.start().answering(n -> new Answer(200, slow.get() ? 1000 : 0, Map.of()))) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("CrashRecoveryTest/relay.yaml")
                            .with("port", port)
                            .with("sink.url", sink.url())
                            .with("buffer.dir", work.resolve("buffer"))
                            .yaml());
            Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger next = new AtomicInteger();
            ChildRelay first = ChildRelay.start(work, port);
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(8);
            for (int c = 0; c < 8; c++) {
                clients.submit(() -> {
                    while (running.get()) {
                        int id = next.getAndIncrement();
                        try {
                            Client.Response r = Client.post(
                                    port,
                                    "/ingest?name=crash.app%7Bid%3D" + id + "%7D",
                                    new byte[] {(byte) id, 1, 2},
                                    Map.of());
                            if (r.status() == 200) {
                                acknowledged.add(id);
                            }
                        } catch (Exception e) {
                            // the relay died under this request: not acknowledged
                        }
                    }
                    return null;
                });
            }
            Await.until(
                    "uploads acknowledged before the crash", Duration.ofSeconds(30), () -> acknowledged.size() >= 200);
            first.process().destroyForcibly(); // SIGKILL
            assertTrue(first.process().waitFor(10, TimeUnit.SECONDS));
            slow.set(false);
            running.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
            Set<Integer> deliveredBeforeRestart = ConcurrentHashMap.newKeySet();
            for (Sink.Received r : sink.all()) {
                deliveredBeforeRestart.add(Integer.parseInt(
                        Fixtures.forwardedName(r.rawQuery()).labels().get("id")));
            }
            long waiting = acknowledged.stream()
                    .filter(id -> !deliveredBeforeRestart.contains(id))
                    .count();
            System.out.println(acknowledged.size() + " uploads acknowledged before SIGKILL, " + waiting
                    + " of them not delivered by then");
            assertTrue(waiting > 0, "the kill left acknowledged profiles on disk only");

            try (ChildRelay second = ChildRelay.start(work, port)) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                Map<Integer, Integer> copies = new HashMap<>();
                while (true) {
                    copies.clear();
                    for (Sink.Received r : sink.all()) {
                        copies.merge(
                                Integer.parseInt(Fixtures.forwardedName(r.rawQuery())
                                        .labels()
                                        .get("id")),
                                1,
                                Integer::sum);
                    }
                    if (copies.keySet().containsAll(acknowledged)) {
                        break;
                    }
                    assertTrue(
                            System.nanoTime() < end,
                            "acknowledged uploads missing after restart: "
                                    + acknowledged.stream()
                                            .filter(id -> !copies.containsKey(id))
                                            .limit(20)
                                            .toList());
                    Thread.sleep(100);
                }
                long duplicates = copies.values().stream().filter(n -> n > 1).count();
                String metrics =
                        Client.get(second.managementPort(), "/observe/metrics").body();
                Matcher m = Pattern.compile(
                                "pyroscope_relay_write_buffer_resent_profiles_total\\{writer=\"buffered\"\\} (\\S+)")
                        .matcher(metrics);
                double resent = m.find() ? Double.parseDouble(m.group(1)) : 0;
                System.out.println("after restart: every acknowledged upload delivered; " + duplicates
                        + " arrived twice; the relay counted " + resent + " possible duplicates");
                assertTrue(
                        resent >= duplicates,
                        "duplicates are counted: " + duplicates + " seen, " + resent + " counted");
                assertTrue(second.log().contains("from earlier runs"), second.log());
                assertEquals(0, copies.values().stream().filter(n -> n > 2).count(), "no profile more than twice");
            }
        }
    }
}
