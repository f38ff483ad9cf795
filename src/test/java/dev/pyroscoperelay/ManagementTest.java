package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health and metrics on the management port, apart from the receiver ports (docs/config.md "management"). */
class ManagementTest {
    @TempDir
    Path work;

    @Test
    void healthAndMetricsOnTheirOwnPort() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", RouteYaml.receiveAndWrite("receive", port, sink.url()));
            try (Relay relay = Relay.start(work)) {
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=m.app", new byte[] {1}, Map.of())
                                .status());
                int mgmt = relay.managementPort();
                assertNotEquals(port, mgmt);
                Client.Response health = Client.get(mgmt, "/observe/health");
                assertEquals(200, health.status(), health.body());
                assertTrue(health.body().contains("\"UP\""), health.body());
                Client.Response metrics = Client.get(mgmt, "/observe/metrics");
                assertEquals(200, metrics.status());
                assertTrue(metrics.body().contains("# TYPE"), metrics.body());
                Client.Response alias = Client.get(mgmt, "/metrics");
                assertEquals(200, alias.status());
                assertTrue(alias.body().contains("# TYPE"));
                assertEquals(404, Client.get(port, "/observe/health").status(), "receivers do not serve management");
            }
        }
    }

    @Test
    void notReadyWhileAReceiverPortCannotBindThenReadyWhenItCan() throws Exception {
        try (Sink sink = Sink.start();
                java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.setReuseAddress(true);
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            int busy = taken.getLocalPort();
            int free = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteYaml.receiveAndWrite("blocked", busy, sink.url())
                            + RouteYaml.receiveAndWrite("fine", free, sink.url()));
            try (Relay relay = Relay.start(work)) {
                int mgmt = relay.managementPort();
                Client.Response ready = Client.get(mgmt, "/observe/health/ready");
                assertEquals(503, ready.status(), ready.body());
                assertTrue(ready.body().contains("DOWN"), ready.body());
                assertEquals(
                        200,
                        Client.post(free, "/ingest?name=ok.app", new byte[] {1}, Map.of())
                                .status(),
                        "the other receiver serves meanwhile");
                taken.close();
                long end = System.nanoTime() + 15_000_000_000L;
                int status = 0;
                while (System.nanoTime() < end && status != 200) {
                    Thread.sleep(500);
                    status = Client.get(mgmt, "/observe/health/ready").status();
                }
                assertEquals(200, status, "ready once the port is free");
                assertEquals(
                        200,
                        Client.post(busy, "/ingest?name=late.app", new byte[] {1}, Map.of())
                                .status());
            }
        }
    }
}
