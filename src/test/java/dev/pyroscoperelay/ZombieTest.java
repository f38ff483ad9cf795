package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay whose event loops are blocked (here by a route step that sleeps on the event loop, a real user mistake)
 * cannot serve: health must say DOWN and the process must exit non-zero so that it is restarted.
 */
class ZombieTest {
    @TempDir
    Path work;

    @Test
    void blockedEventLoopsMakeHealthDownAndTheProcessExit() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("ZombieTest/relay.yaml")
                            .with("port", port)
                            .with("sink.url", sink.url())
                            .yaml());
            try (ChildRelay relay = ChildRelay.start(work, port, "-Dpyroscope.relay.event-loop-max-stall=2s")) {
                assertEquals(
                        200,
                        Client.get(relay.managementPort(), "/observe/health").status());
                // one request per event loop: connections are spread over the loops
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket("127.0.0.1", port);
                    s.getOutputStream()
                            .write("POST /ingest?name=z HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx"
                                    .getBytes(StandardCharsets.US_ASCII));
                }
                boolean sawDown = false;
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (relay.process().isAlive() && System.nanoTime() < end) {
                    try {
                        Client.Response health = Client.get(relay.managementPort(), "/observe/health");
                        if (health.status() == 503 && health.body().contains("DOWN")) {
                            sawDown = true;
                        }
                    } catch (Exception e) {
                        // the process is going away
                    }
                    Thread.sleep(100);
                }
                assertTrue(sawDown, "health never said DOWN:\n" + relay.log());
                assertTrue(relay.process().waitFor(10, TimeUnit.SECONDS), "the process did not exit:\n" + relay.log());
                assertEquals(70, relay.process().exitValue(), relay.log());
                assertTrue(relay.log().contains("relay is dead: vert.x-eventloop-thread-"), relay.log());
                assertEquals(0, sink.count());
            }
        }
    }
}
