package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two CamelContexts in one JVM (a host with several, Spring Boot tests), each with its receiver and writer: each
 * serves on its own, and stopping one leaves the other serving, on its kept-alive connections and on new ones.
 */
class TwoContextsTest {
    @TempDir
    Path one;

    @TempDir
    Path two;

    @Test
    void stoppingOneContextLeavesTheOtherServing() throws Exception {
        try (Sink a = Sink.start();
                Sink b = Sink.start()) {
            int portA = Relay.freePort();
            int portB = Relay.freePort();
            Relay.writeRoute(one, "relay.yaml", RouteYaml.receiveAndWrite("receive", portA, a.url()));
            Relay.writeRoute(two, "relay.yaml", RouteYaml.receiveAndWrite("receive", portB, b.url()));
            Relay relayA = Relay.start(one);
            try (Relay relayB = Relay.start(two)) {
                assertEquals(200, upload(portA).status());
                assertEquals(200, upload(portB).status());
                assertEquals(1, a.count());
                assertEquals(1, b.count());

                relayA.close();
                for (int i = 0; i < 5; i++) {
                    Client.Response r = upload(portB);
                    assertEquals(200, r.status(), r.body());
                    // a new connection, not only the kept-alive one
                    assertEquals(
                            200,
                            Client.postChunked(portB, "/ingest?name=two.app", new byte[] {2}, Map.of())
                                    .status());
                }
                assertEquals(11, b.count());
                assertEquals(1, a.count(), "the stopped context's writer sent nothing more");
            } finally {
                relayA.close();
            }
        }
    }

    private static Client.Response upload(int port) throws Exception {
        return Client.post(port, "/ingest?name=two.app", new byte[] {1}, Map.of());
    }
}
