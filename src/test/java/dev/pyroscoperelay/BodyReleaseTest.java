package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.LeakWatch;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A body is released once, after every writer is done: many distinct bodies at once, in memory (pooled buffers off
 * the heap) and in temporary files, to three destinations: one answering 503 now and then (retries), one too slow now
 * and then (timeouts, then retries), and one behind a durable buffer that answers after 300 ms now and then (the
 * profile is stored and the route ends while its first send is still on the wire). Every copy that reaches a
 * destination must be the body of its own upload (a body released too early would send another upload's bytes or a
 * deleted file); afterwards no memory or file is held, and Netty's paranoid leak detection reported nothing.
 */
class BodyReleaseTest {
    @TempDir
    Path work;

    @Test
    void everyCopyIsItsOwnBodyAndNothingIsHeldAfterwards() throws Exception {
        try (Sink flaky = Sink.start()
                        .answering(
                                n -> n % 3 == 1 ? new Answer(503, 0, Map.of("Retry-After", "0")) : Answer.status(200));
                Sink slow =
                        Sink.start().answering(n -> n % 5 == 2 ? new Answer(200, 1500, Map.of()) : Answer.status(200));
                Sink late =
                        Sink.start().answering(n -> n % 4 == 3 ? new Answer(200, 300, Map.of()) : Answer.status(200));
                LeakWatch leaks = LeakWatch.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("BodyReleaseTest/relay.yaml")
                            .with("port", port)
                            .with("flaky.url", flaky.url())
                            .with("slow.url", slow.url())
                            .with("late.url", late.url())
                            .with("buffer.dir", work.resolve("buffer"))
                            .yaml());
            Path spool = work.resolve("spool");
            Map<String, String> props = Map.of(
                    "pyroscope.relay.body-memory-per-body",
                    "16KiB",
                    "pyroscope.relay.body-spool-dir",
                    spool.toString());
            Map<String, byte[]> sent = new ConcurrentHashMap<>();
            try (Relay relay = Relay.start(work, props)) {
                ExecutorService clients = Executors.newFixedThreadPool(16);
                List<Future<Client.Response>> answers = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    String id = Integer.toString(i);
                    // 1 KB to 64 KB: below and above the 16 KiB kept in memory
                    byte[] body = new byte[1024 + new Random(i).nextInt(63 * 1024)];
                    new Random(1000 + i).nextBytes(body);
                    sent.put(id, body);
                    answers.add(clients.submit(
                            () -> Client.post(port, "/ingest?name=release.app%7Bid%3D" + id + "%7D", body, Map.of())));
                }
                for (Future<Client.Response> a : answers) {
                    Client.Response r = a.get(60, TimeUnit.SECONDS);
                    assertEquals(200, r.status(), r.body());
                }
                clients.shutdown();
                long deliveredLate = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (late.count() < 300 && System.nanoTime() < deliveredLate) {
                    Thread.sleep(50);
                }
                assertTrue(late.count() >= 300, "the buffered destination got every upload: " + late.count());
                for (Sink sink : List.of(flaky, slow, late)) {
                    for (Sink.Received got : sink.all()) {
                        String id =
                                Fixtures.forwardedName(got.rawQuery()).labels().get("id");
                        assertArrayEquals(sent.get(id), got.body(), "a copy of upload " + id + " at " + sink.url());
                    }
                }
                assertTrue(flaky.count() > 300, "the flaky destination made writers retry: " + flaky.count());
                assertTrue(slow.count() > 300, "the slow destination made writers retry: " + slow.count());
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String metrics;
                do {
                    metrics = Client.get(relay.managementPort(), "/observe/metrics")
                            .body();
                } while (!(metrics.contains("pyroscope_relay_body_memory_bytes 0.0")
                                && metrics.contains("pyroscope_relay_body_disk_bytes 0.0"))
                        && System.nanoTime() < end);
                assertTrue(metrics.contains("pyroscope_relay_body_memory_bytes 0.0"), metrics);
                assertTrue(metrics.contains("pyroscope_relay_body_disk_bytes 0.0"), metrics);
                try (var files = Files.list(spool)) {
                    assertEquals(List.of(), files.toList(), "temporary body files left");
                }
            }
            assertEquals("", leaks.leaks(), "Netty reported a buffer that was never released");
        }
    }
}
