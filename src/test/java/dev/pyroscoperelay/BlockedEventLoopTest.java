package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.BlockedEventLoopWatch;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch that fails any test during which an event loop was blocked does see a blocked loop: a route with a
 * blocking step on workerThreads 0 (what the README says never to do) blocks the loop that read the request.
 */
class BlockedEventLoopTest {
    static {
        BlockedEventLoopWatch.allowIn(BlockedEventLoopTest.class); // this test blocks a loop on purpose
    }

    @TempDir
    Path work;

    @Test
    void aBlockingStepOnAnEventLoopIsSeen() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("BlockedEventLoopTest/relay.yaml")
                            .with("port", port)
                            .with("sink.url", sink.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                Client.Response r = Client.post(port, "/ingest?name=blocked.app", new byte[] {1}, Map.of());
                assertEquals(200, r.status(), r.body());
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (BlockedEventLoopWatch.seen().isEmpty() && System.nanoTime() < end) {
                    Thread.sleep(20); // the checker looks once a second
                }
                assertTrue(
                        BlockedEventLoopWatch.seen().stream().anyMatch(s -> s.contains("vert.x-eventloop-thread")),
                        "the blocked event loop was not reported: " + BlockedEventLoopWatch.seen());
            }
        }
    }
}
