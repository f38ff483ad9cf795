package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./application.properties overrides the packaged one key by key, and routes can use its keys. */
class WorkingDirectoryConfigTest {
    @TempDir
    Path work;

    @Test
    void workingDirectoryPropertiesOverrideThePackagedOnes() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            int mgmt = Relay.freePort();
            Files.writeString(work.resolve("application.properties"), """
                    camel.management.port = %d
                    camel.main.shutdown-timeout = 7
                    relay.port = %d
                    relay.destination = %s
                    """.formatted(mgmt, port, sink.url()));
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("WorkingDirectoryConfigTest/relay.yaml").yaml());
            try (Relay relay = Relay.startWithoutOverrides(work)) {
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=cwd.app", new byte[] {1}, Map.of())
                                .status());
                assertEquals(1, sink.count());
                assertEquals(
                        200,
                        Client.get(mgmt, "/observe/health").status(),
                        "the management port came from ./application.properties");
                assertEquals(
                        "7",
                        relay.context()
                                .getPropertiesComponent()
                                .resolveProperty("camel.main.shutdown-timeout")
                                .orElseThrow());
                assertEquals(7, relay.context().getShutdownStrategy().getTimeout());
                // keys not overridden keep their packaged values
                assertTrue(relay.context()
                        .getPropertiesComponent()
                        .resolveProperty("camel.threadpool.max-pool-size")
                        .orElseThrow()
                        .contains("400"));
            }
        }
    }
}
