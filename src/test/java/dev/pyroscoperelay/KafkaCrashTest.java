package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.KafkaBroker;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two write-tier relays (child JVMs with the README's flags) in one consumer group; one is killed with SIGKILL while
 * records flow. Every upload the receive tier acknowledged reaches the destination (duplicates allowed, counted).
 */
class KafkaCrashTest {
    @TempDir
    Path work;

    private static String writeTier(int port, String bootstrap, String sinkUrl) {
        return RouteFile.of("KafkaCrashTest/write-tier.yaml")
                .with("port", port)
                .with("bootstrap", bootstrap)
                .with("sinkUrl", sinkUrl)
                .yaml();
    }

    @Test
    void aWriteTierRelayKilledMidStreamLosesNothing() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start(Files.createDirectories(work.resolve("kafka")));
                Sink sink = Sink.start().answering(n -> new Sink.Answer(200, 20, Map.of()))) {
            int receivePort = Relay.freePort();
            Path receiveDir = Files.createDirectories(work.resolve("receive"));
            Relay.writeRoute(
                    receiveDir,
                    "relay.yaml",
                    RouteFile.of("KafkaCrashTest/receive-tier.yaml")
                            .with("receivePort", receivePort)
                            .with("broker.bootstrapServers", broker.bootstrapServers())
                            .yaml());
            int p1 = Relay.freePort();
            int p2 = Relay.freePort();
            Path d1 = Files.createDirectories(work.resolve("w1"));
            Path d2 = Files.createDirectories(work.resolve("w2"));
            Relay.writeRoute(d1, "relay.yaml", writeTier(p1, broker.bootstrapServers(), sink.url()));
            Relay.writeRoute(d2, "relay.yaml", writeTier(p2, broker.bootstrapServers(), sink.url()));
            int uploads = 300;
            try (Relay receive = Relay.start(receiveDir);
                    ChildRelay w1 = ChildRelay.start(d1, p1);
                    ChildRelay w2 = ChildRelay.start(d2, p2)) {
                for (int i = 0; i < uploads; i++) {
                    // a service per upload: records spread over the partitions of both relays
                    Client.Response r = Client.post(
                            receivePort,
                            "/ingest?name=svc-" + (i % 16) + "%7Bid%3D" + i + "%7D",
                            new byte[] {1},
                            Map.of());
                    assertEquals(200, r.status(), r.body());
                    if (i == uploads / 3) {
                        w1.process().destroyForcibly(); // SIGKILL: no shutdown, no commit
                        w1.process().waitFor(10, TimeUnit.SECONDS);
                    }
                }
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                Set<String> ids = new HashSet<>();
                while (ids.size() < uploads && System.nanoTime() < end) {
                    ids.clear();
                    for (Sink.Received got : sink.all()) {
                        ids.add(Fixtures.forwardedName(got.rawQuery()).labels().get("id"));
                    }
                    Thread.sleep(200);
                }
                assertEquals(uploads, ids.size(), "every acknowledged upload delivered; w2 log:\n" + w2.log());
                int duplicates = sink.count() - uploads;
                assertTrue(duplicates >= 0, "duplicates: " + duplicates);
                System.out.println("KafkaCrashTest: " + uploads + " uploads, " + duplicates + " delivered twice");
            }
        }
    }
}
