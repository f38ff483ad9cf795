package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kamelet:pyroscope-relabel in routes as users write them: ingest and push, inline rules and a rules file. */
class RelabelTest {
    @TempDir
    Path work;

    /** Inline rules are one line (a Kamelet parameter loses its line breaks): YAML flow style, or JSON. */
    private static final String RULES = "[{source_labels: [service_name], regex: 'noisy-.*', action: drop},"
            + " {regex: env, replacement: environment, action: labelmap},"
            + " {regex: env, action: labeldrop},"
            + " {source_labels: [service_name], target_label: shard, modulus: 4, action: hashmod}]";

    private String route(int port, String url, String relabelParameters) {
        return RouteFile.of("RelabelTest/relay.yaml")
                .with("port", port)
                .with("relabelParameters", relabelParameters)
                .with("url", url)
                .yaml();
    }

    @Test
    void ingestAndPushSeriesAreDroppedRenamedAndSampled() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route(port, sink.url(), "rules: \"" + RULES + "\""));
            try (Relay relay = Relay.start(work)) {
                Client.Response dropped =
                        Client.post(port, "/ingest?name=noisy-batch%7Benv%3Ddev%7D", new byte[] {1}, Map.of());
                assertEquals(200, dropped.status(), "an upload with nothing left is answered 200");
                assertEquals(0, sink.count(), "and sent nowhere");

                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=checkout%7Benv%3Ddev%7D", new byte[] {1}, Map.of())
                                .status());
                Map<String, String> labels =
                        Fixtures.forwardedName(sink.take().rawQuery()).labels();
                assertEquals("dev", labels.get("environment"));
                assertNull(labels.get("env"), "labeldrop");
                assertEquals("checkout", labels.get("service_name"));
                String shard = labels.get("shard");
                assertTrue(shard.matches("[0-3]"), "hashmod: " + shard);

                // the same service lands in the same shard every time, in every relay
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=checkout", new byte[] {1}, Map.of())
                                .status());
                assertEquals(
                        shard,
                        Fixtures.forwardedName(sink.take().rawQuery()).labels().get("shard"));

                PushRequest push = PushRequest.newBuilder()
                        .addSeries(series("noisy-cron", "__private", "x"))
                        .addSeries(series("payments", "__private", "y"))
                        .build();
                Client.Response r = Client.post(
                        port,
                        "/push.v1.PusherService/Push",
                        push.toByteArray(),
                        Map.of("Content-Type", "application/proto"));
                assertEquals(200, r.status(), r.body());
                PushRequest got = PushRequest.parseFrom(sink.take().body());
                assertEquals(1, got.getSeriesCount(), "the noisy series is not forwarded");
                Map<String, String> pushed = new TreeMap<>();
                got.getSeries(0).getLabelsList().forEach(p -> pushed.put(p.getName(), p.getValue()));
                assertEquals("payments", pushed.get("service_name"));
                assertEquals("prod", pushed.get("environment"));
                assertNull(pushed.get("__private"), "private labels are usable in rules and not sent");
                assertEquals(
                        ByteString.copyFromUtf8("payments"),
                        got.getSeries(0).getSamples(0).getRawProfile());

                String metrics =
                        Client.get(relay.managementPort(), "/observe/metrics").body();
                assertTrue(
                        metrics.contains("pyroscope_relay_relabel_dropped_series_total{route=\"receive\"} 2.0"),
                        metrics);
                assertTrue(
                        metrics.contains("pyroscope_relay_relabel_dropped_uploads_total{route=\"receive\"} 1.0"),
                        metrics);
            }
        }
    }

    private static RawProfileSeries series(String service, String privateName, String privateValue) {
        return RawProfileSeries.newBuilder()
                .addLabels(LabelPair.newBuilder().setName("service_name").setValue(service))
                .addLabels(LabelPair.newBuilder().setName("env").setValue("prod"))
                .addLabels(LabelPair.newBuilder().setName(privateName).setValue(privateValue))
                .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFromUtf8(service)))
                .build();
    }

    @Test
    void aRulesFileIsReadAgainAndABrokenEditKeepsTheRules() throws Exception {
        Path rules = work.resolve("relabel.yaml");
        Files.writeString(rules, "- {source_labels: [service_name], regex: 'a.*', action: drop}\n");
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route(port, sink.url(), "rulesFile: " + rules));
            try (Relay relay = Relay.start(work)) {
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=alpha", new byte[] {1}, Map.of())
                                .status());
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=beta", new byte[] {1}, Map.of())
                                .status());
                assertEquals(1, sink.count(), "alpha dropped, beta sent");

                replace(rules, "- {source_labels: [service_name], regex: '(unclosed', action: drop}\n");
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=alpha", new byte[] {1}, Map.of())
                                .status());
                assertEquals(1, sink.count(), "a broken file keeps the previous rules: alpha still dropped");

                replace(rules, "- {source_labels: [service_name], regex: 'b.*', action: drop}\n");
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=alpha", new byte[] {1}, Map.of())
                                .status());
                assertEquals(
                        200,
                        Client.post(port, "/ingest?name=beta", new byte[] {1}, Map.of())
                                .status());
                assertEquals(2, sink.count(), "the new rules: alpha sent, beta dropped");
                assertEquals(
                        "alpha",
                        Fixtures.forwardedName(sink.all().get(1).rawQuery())
                                .labels()
                                .get("service_name"));
            }
        }
    }

    /** Replaces the file with a later modification time (file systems with coarse timestamps). */
    private static void replace(Path file, String text) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.setLastModifiedTime(
                tmp,
                java.nio.file.attribute.FileTime.fromMillis(
                        Files.getLastModifiedTime(file).toMillis() + TimeUnit.SECONDS.toMillis(2)));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Thread.sleep(1100); // the relabel step looks at its file once a second
    }
}
