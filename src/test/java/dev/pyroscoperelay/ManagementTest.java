package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health and metrics on the management port, apart from the receiver ports (config.md "management"). */
class ManagementTest {
    @TempDir
    Path work;

    @Test
    void healthAndMetricsOnTheirOwnPort() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", """
                    - route:
                        id: receive
                        from:
                          uri: kamelet:pyroscope-receive
                          parameters:
                            listenAddress: 127.0.0.1
                            listenPort: %d
                          steps:
                            - to:
                                uri: kamelet:pyroscope-write
                                parameters:
                                  url: %s
                    """.formatted(port, sink.url()));
            try (Relay relay = Relay.start(work)) {
                assertEquals(200, Client.post(port, "/ingest?name=m.app", new byte[] {1}, Map.of()).status());
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
}
