package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Editing routes/ while the relay runs: valid saves apply without a restart, broken ones leave the running routes alone. */
class HotReloadTest {
    @TempDir
    Path work;

    private static String route(String id, int port, String url) {
        return RouteYaml.receiveAndWrite(id, port, url);
    }

    /** Saves like an editor that writes a temp file and renames it. */
    private void save(String file, String text) throws Exception {
        Relay.replaceRoute(work, file, text);
    }

    private static int post(int port) {
        try {
            return Client.post(port, "/ingest?name=reload.app", new byte[] {1}, Map.of())
                    .status();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Posts until the sink gets one, for up to 20 s (the file watcher is not instant). */
    private static void awaitDelivery(int port, Sink sink) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < end) {
            int before = sink.count();
            if (post(port) == 200 && sink.count() > before) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no delivery to sink " + sink.port() + " through port " + port + " within 20 s");
    }

    @Test
    void editsApplyAndBrokenFilesKeepServing() throws Exception {
        try (Sink a = Sink.start();
                Sink b = Sink.start();
                Sink c = Sink.start()) {
            int port = Relay.freePort();
            int second = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route("receive", port, a.url()));
            try (Relay relay = Relay.start(work)) {
                assertEquals(200, post(port));
                assertEquals(1, a.count());

                save("relay.yaml", route("receive", port, b.url()));
                awaitDelivery(port, b);
                int aBefore = a.count();

                for (String broken : new String[] {
                    "", // an editor's truncate-then-write
                    "- route:\n    id: receive\n    from:\n      uri: kamelet:pyroscope-rec", // half-written save
                    "- route: [unclosed\n", // invalid YAML
                    route("receive", port, c.url()).replace("pyroscope-write", "pyroscope-wirte"), // unknown Kamelet
                }) {
                    save("relay.yaml", broken);
                    Thread.sleep(2500);
                    int bBefore = b.count();
                    assertEquals(200, post(port), "the running route must keep serving after: " + broken);
                    assertEquals(bBefore + 1, b.count());
                }
                assertEquals(aBefore, a.count());
                assertEquals(0, c.count());

                // a new file adds a receiver; the first one keeps working
                save("second.yaml", route("receive-second", second, c.url()));
                awaitDelivery(second, c);
                save("relay.yaml", route("receive", port, a.url()));
                awaitDelivery(port, a);
                assertTrue(c.count() >= 1);
            }
        }
    }

    /** A receiver and an inline writer are named after the user's route id, the same after every reload (metrics key on it). */
    @Test
    void namesStayTheRouteIdAcrossReloads() throws Exception {
        int port = Relay.freePort();
        String dead = "http://127.0.0.1:" + Relay.freePort();
        RouteFile route = RouteFile.of("HotReloadTest/named-routes.yaml")
                .with("port", port)
                .with("dead.url", dead);
        Relay.writeRoute(work, "relay.yaml", route.with("edit", 0).yaml());
        try (Relay relay = Relay.start(work)) {
            for (int edit = 1; edit <= 3; edit++) {
                Client.Response r = Client.post(port, "/ingest?name=names.app", new byte[] {1}, Map.of());
                assertEquals(502, r.status(), r.body());
                assertTrue(
                        r.body().startsWith("writer \"probe\": cannot connect"),
                        "after " + (edit - 1) + " reloads: " + r.body());
                String metrics =
                        Client.get(relay.managementPort(), "/observe/metrics").body();
                assertTrue(
                        metrics.contains(
                                "pyroscope_relay_write_dropped_profiles_total{reason=\"unreachable\",writer=\"probe\"}"),
                        metrics);
                assertTrue(
                        metrics.contains(
                                "pyroscope_relay_received_requests_total{api=\"ingest\",receiver=\"probe\",status=\"502\"}"),
                        metrics);
                assertFalse(metrics.contains("=\"pyroscope-receive-"), "a name Camel made up: " + metrics);
                assertFalse(metrics.contains("=\"pyroscope-write-"), "a name Camel made up: " + metrics);
                save("relay.yaml", route.with("edit", edit).yaml());
                awaitStatus(port, 502, "writer \"probe\"", edit);
            }
        }
    }

    /** Posts until the answer shows the edit was applied (the relay logs the reload; the label is not visible in a 502). */
    private void awaitStatus(int port, int status, String bodyStart, int edit) throws Exception {
        long end = System.nanoTime() + 20_000_000_000L;
        Path marker = work.resolve("routes/relay.yaml");
        Thread.sleep(2500); // the file watcher polls; give it one round
        while (System.nanoTime() < end) {
            Client.Response r = Client.post(port, "/ingest?name=names.app", new byte[] {1}, Map.of());
            if (r.status() == status && Files.readString(marker).contains("constant: \"" + edit + "\"")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("edit " + edit + " not applied within 20 s; wanted " + status + " " + bodyStart);
    }
}
