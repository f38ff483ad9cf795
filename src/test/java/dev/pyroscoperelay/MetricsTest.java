package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prometheus metrics scraped over HTTP after real traffic move by exactly what happened. */
class MetricsTest {
    @TempDir
    Path work;

    /** The value of the sample whose name and labels match, 0 when absent. */
    static double value(String scrape, String name, String... labels) {
        double total = 0;
        boolean found = false;
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                all &= line.contains(l);
            }
            if (all) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? total : 0;
    }

    @Test
    void countersMoveByWhatHappened() throws Exception {
        try (Sink a = Sink.start();
                Sink b = Sink.start().answering(n -> Sink.Answer.status(n == 1 ? 503 : 400))) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("MetricsTest/relay.yaml")
                            .with("port", port)
                            .with("otherPort", Relay.freePort())
                            .with("a.url", a.url())
                            .with("buffer.dir", work.resolve("buffer"))
                            .with("b.url", b.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(
                            400,
                            Client.post(port, "/ingest?name=metrics.app&from=" + i, new byte[1000], Map.of())
                                    .status());
                }
                assertEquals(
                        404, Client.post(port, "/nope", new byte[10], Map.of()).status());
                assertEquals(
                        400,
                        Client.post(port, "/ingest?from=1", new byte[10], Map.of())
                                .status());
                String s = Client.get(relay.managementPort(), "/metrics").body();
                assertEquals(
                        4,
                        value(
                                s,
                                "pyroscope_relay_received_requests_total",
                                "receiver=\"receive-main\"",
                                "api=\"ingest\"",
                                "status=\"400\""),
                        s);
                assertEquals(
                        1, value(s, "pyroscope_relay_received_requests_total", "api=\"unknown\"", "status=\"404\""));
                assertEquals(3010, value(s, "pyroscope_relay_received_bytes_total", "receiver=\"receive-main\""));
                assertEquals(3000, value(s, "pyroscope_relay_write_sent_bytes_total", "writer=\"write-a\""));
                assertEquals(3, value(s, "pyroscope_relay_write_sent_profiles_total", "writer=\"write-a\""));
                assertEquals(0, value(s, "pyroscope_relay_write_sent_profiles_total", "writer=\"write-b\""));
                assertEquals(
                        3,
                        value(
                                s,
                                "pyroscope_relay_write_dropped_profiles_total",
                                "writer=\"write-b\"",
                                "reason=\"rejected\""));
                assertEquals(
                        3000,
                        value(
                                s,
                                "pyroscope_relay_write_dropped_bytes_total",
                                "writer=\"write-b\"",
                                "reason=\"rejected\""));
                assertEquals(
                        1,
                        value(s, "pyroscope_relay_write_retries_total", "writer=\"write-b\""),
                        "one retry after the 503");
                assertEquals(0, value(s, "pyroscope_relay_write_retries_total", "writer=\"write-a\""));
                assertEquals(4, value(s, "pyroscope_relay_write_latency_seconds_count", "writer=\"write-b\""));
                assertEquals(3, value(s, "pyroscope_relay_write_latency_seconds_count", "writer=\"write-a\""));
                assertTrue(s.contains("pyroscope_relay_write_latency_seconds_bucket{"), "latency is a histogram");
                assertTrue(s.contains("jvm_memory_used_bytes"), "JVM metrics present");
                // every metric the shipped dashboard queries exists
                String dashboard = java.nio.file.Files.readString(Path.of("dashboards/pyroscope-relay.json"));
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                                "(pyroscope_relay_[a-z_]+|jvm_[a-z_]+|process_[a-z_]+)")
                        .matcher(dashboard);
                int checked = 0;
                while (m.find()) {
                    assertTrue(
                            s.contains(m.group(1)),
                            "the dashboard queries " + m.group(1) + ", which the relay does not export");
                    checked++;
                }
                assertTrue(checked >= 9, "dashboard metrics checked: " + checked);
            }
        }
    }
}
