package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A user's route ids are theirs: a route named like a bean inside a Kamelet template (engine, reader, answer,
 * relabel, writer, record, outcome, commit) must not break that Kamelet, and neither must a bean of the user's with
 * such a name. Camel 4.18 re-assigns a template bean whose name equals any template parameter's value (the calling
 * route's id is one), so the Kamelets declare none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UserNamesTest {

    @Test
    void noKameletDeclaresTemplateBeans() throws Exception {
        try (var files = Files.list(Path.of("src/main/resources/kamelets"))) {
            for (Path f : files.toList()) {
                assertFalse(Files.readString(f).contains("    beans:"), f + " declares template beans");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"engine", "reader", "answer", "relabel", "writer", "record", "outcome", "commit"})
    void aRouteMayCarryTheNameOfAKameletsBean(String name) throws Exception {
        try (Sink sink = Sink.start()) {
            Path dir = Files.createTempDirectory("names");
            int port = Relay.freePort();
            Relay.writeRoute(
                    dir,
                    "relay.yaml",
                    RouteFile.of("UserNamesTest/named.yaml")
                            .with("name", name)
                            .with("port", port)
                            .with("sink.url", sink.url())
                            .yaml());
            try (Relay relay = Relay.start(dir)) {
                Client.Response r = Client.post(
                        port,
                        "/ingest?name=app%7Bdrop_me%3D1%7D",
                        new byte[] {1},
                        Map.of("Content-Type", "application/octet-stream"));
                assertEquals(200, r.status(), r.body());
                assertEquals("/ingest", sink.take().path());
            }
        }
    }
}
