package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Fixtures.Capture;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * User story 1: with no routes/ folder the relay runs the packaged default route, the seed's basic example:
 * 0.0.0.0:9999 to http://localhost:4040. An SDK pointed at :9999 reaches the Pyroscope at :4040.
 */
class DefaultRouteTest {
    @TempDir
    Path emptyWorkDir;

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void packagedDefaultReceivesOn9999AndForwardsToLocalhost4040() throws Exception {
        assumeTrue(free(9999) && free(4040), "ports 9999 and 4040 must be free for the default route");
        try (Sink pyroscope = Sink.start(4040);
                Relay relay = Relay.start(emptyWorkDir)) {
            Capture c = Fixtures.javaAgent(1);
            Client.Response r = Client.postChunked(
                    9999, "/ingest?" + c.rawQuery(), c.body(), Map.of("Content-Type", c.contentType()));
            assertEquals(200, r.status(), r.body());
            Received got = pyroscope.take();
            assertEquals("/ingest", got.path());
            assertArrayEquals(c.body(), got.body());
            assertEquals(
                    "relay.fixture.java",
                    Fixtures.forwardedName(got.rawQuery()).labels().get("service_name"));
        }
    }
}
