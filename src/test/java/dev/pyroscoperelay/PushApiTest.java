package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.PushResponse;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Connect push API: real requests built with the generated classes, decoded again by the sinks. */
class PushApiTest {
    @TempDir
    Path work;

    Sink staging;
    Sink production;
    Relay relay;
    int port;

    private void start(Sink stagingSink, Sink productionSink) throws Exception {
        staging = stagingSink;
        production = productionSink;
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("PushApiTest/relay.yaml")
                        .with("port", port)
                        .with("staging.url", staging.url())
                        .with("production.url", production.url())
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        staging.close();
        production.close();
    }

    static final ByteString PROFILE_1 = ByteString.copyFrom(new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5});
    static final ByteString PROFILE_2 = ByteString.copyFrom(new byte[] {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0});

    static PushRequest request() {
        return PushRequest.newBuilder()
                .addSeries(RawProfileSeries.newBuilder()
                        .addLabels(label("__name__", "process_cpu"))
                        .addLabels(label("__delta__", "false"))
                        .addLabels(label("__session_id__", "secret-session"))
                        .addLabels(label("service_name", "push.app"))
                        .addLabels(label("region", "eu"))
                        .addLabels(label("env", "dev"))
                        .addSamples(
                                RawSample.newBuilder().setRawProfile(PROFILE_1).setID("id-1"))
                        .addSamples(
                                RawSample.newBuilder().setRawProfile(PROFILE_2).setID("id-2")))
                .addSeries(RawProfileSeries.newBuilder()
                        .addLabels(label("__name__", "memory"))
                        .addLabels(label("service_name", "push.app"))
                        .addSamples(
                                RawSample.newBuilder().setRawProfile(PROFILE_2).setID("id-3")))
                .build();
    }

    static LabelPair label(String name, String value) {
        return LabelPair.newBuilder().setName(name).setValue(value).build();
    }

    private Client.Response push(byte[] body, String contentType, Map<String, String> extra) throws Exception {
        Map<String, String> headers = new LinkedHashMap<>(extra);
        headers.put("Content-Type", contentType);
        headers.put("Connect-Protocol-Version", "1");
        return Client.post(port, "/push.v1.PusherService/Push", body, headers);
    }

    static Map<String, String> labelsOf(RawProfileSeries s) {
        Map<String, String> m = new LinkedHashMap<>();
        s.getLabelsList().forEach(l -> m.put(l.getName(), l.getValue()));
        return m;
    }

    private void assertForwarded() throws Exception {
        Received s = staging.take();
        Received p = production.take();
        assertEquals("/prefix/push.v1.PusherService/Push", s.path());
        assertEquals("/push.v1.PusherService/Push", p.path());
        for (Received r : List.of(s, p)) {
            assertEquals("application/proto", r.header("Content-Type"));
            assertEquals("1", r.header("Connect-Protocol-Version"));
            assertTrue(Long.parseLong(r.header("Connect-Timeout-Ms")) <= 3000, r.header("Connect-Timeout-Ms"));
            PushRequest got = PushRequest.parseFrom(r.body());
            assertEquals(2, got.getSeriesCount());
            assertEquals(
                    List.of("id-1", "id-2"),
                    got.getSeries(0).getSamplesList().stream()
                            .map(RawSample::getID)
                            .toList());
            assertEquals(PROFILE_1, got.getSeries(0).getSamples(0).getRawProfile());
            assertEquals(PROFILE_2, got.getSeries(0).getSamples(1).getRawProfile());
            assertEquals(PROFILE_2, got.getSeries(1).getSamples(0).getRawProfile());
            assertEquals("id-3", got.getSeries(1).getSamples(0).getID());
        }
        Map<String, String> first = labelsOf(PushRequest.parseFrom(s.body()).getSeries(0));
        assertEquals(
                Map.of(
                        "__name__",
                        "process_cpu",
                        "__delta__",
                        "false",
                        "service_name",
                        "push.app",
                        "region",
                        "eu",
                        "env",
                        "staging",
                        "cluster",
                        "main"),
                first);
        Map<String, String> prod = labelsOf(PushRequest.parseFrom(p.body()).getSeries(0));
        assertEquals(
                Map.of(
                        "__name__",
                        "process_cpu",
                        "__delta__",
                        "false",
                        "service_name",
                        "push.app",
                        "env",
                        "production",
                        "cluster",
                        "main"),
                prod,
                "empty external label deletes region");
        assertEquals(
                Map.of("__name__", "memory", "service_name", "push.app", "env", "production", "cluster", "main"),
                labelsOf(PushRequest.parseFrom(p.body()).getSeries(1)));
        assertEquals("Bearer prod-token", p.header("Authorization"));
        assertNull(s.header("Authorization"));
    }

    @Test
    void protoPushFansOutWithLabelsPerWriter() throws Exception {
        start(Sink.start(), Sink.start());
        Client.Response r =
                push(request().toByteArray(), "application/proto", Map.of("Authorization", "Bearer client"));
        assertEquals(200, r.status(), r.body());
        assertEquals(
                PushResponse.getDefaultInstance(),
                PushResponse.parseFrom(r.body().getBytes(StandardCharsets.ISO_8859_1)));
        assertForwarded();
    }

    @Test
    void jsonPushIsForwardedAsProto() throws Exception {
        start(Sink.start(), Sink.start());
        String json = JsonFormat.printer().print(request());
        assertTrue(json.contains("rawProfile"), json);
        Client.Response r = push(json.getBytes(StandardCharsets.UTF_8), "application/json", Map.of());
        assertEquals(200, r.status(), r.body());
        assertEquals("{}", r.body());
        assertForwarded();
    }

    @Test
    void gzipRequestCompression() throws Exception {
        start(Sink.start(), Sink.start());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(request().toByteArray());
        }
        Client.Response r = push(bytes.toByteArray(), "application/proto", Map.of("Content-Encoding", "gzip"));
        assertEquals(200, r.status(), r.body());
        assertForwarded();
        assertNull(staging.all().get(0).header("Content-Encoding"));
    }

    @Test
    void malformedInputIsInvalidArgument() throws Exception {
        start(Sink.start(), Sink.start());
        List<Client.Response> bad = new ArrayList<>();
        bad.add(push(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}, "application/proto", Map.of()));
        bad.add(push("{\"series\": [".getBytes(StandardCharsets.UTF_8), "application/json", Map.of()));
        bad.add(push("{\"series\": 5}".getBytes(StandardCharsets.UTF_8), "application/json", Map.of()));
        bad.add(push(new byte[] {1, 2, 3}, "application/proto", Map.of("Content-Encoding", "gzip")));
        for (Client.Response r : bad) {
            assertEquals(400, r.status(), r.body());
            assertTrue(r.body().startsWith("{\"code\":\"invalid_argument\",\"message\":\""), r.body());
        }
        Client.Response unsupported = push(new byte[] {1}, "text/plain", Map.of());
        assertEquals(415, unsupported.status(), unsupported.body());
        assertNull(staging.poll(200));
        assertEquals(0, production.count());
    }

    @Test
    void labelLimitsApplyPerSeries() throws Exception {
        start(Sink.start(), Sink.start());
        RawProfileSeries.Builder series =
                RawProfileSeries.newBuilder().addSamples(RawSample.newBuilder().setRawProfile(PROFILE_1));
        for (int i = 0; i < 31; i++) {
            series.addLabels(label("l" + i, "v"));
        }
        Client.Response r =
                push(PushRequest.newBuilder().addSeries(series).build().toByteArray(), "application/proto", Map.of());
        assertEquals(400, r.status(), r.body());
        assertTrue(r.body().contains("invalid_argument") && r.body().contains("too many labels"), r.body());
        Client.Response badName = push(
                PushRequest.newBuilder()
                        .addSeries(RawProfileSeries.newBuilder()
                                .addLabels(label("bad-name", "v"))
                                .addSamples(RawSample.newBuilder().setRawProfile(PROFILE_1)))
                        .build()
                        .toByteArray(),
                "application/proto",
                Map.of());
        assertEquals(400, badName.status(), badName.body());
        assertNull(staging.poll(200));
    }

    @Test
    void destinationErrorsMapToConnectCodes() throws Exception {
        start(Sink.start().answering(401), Sink.start());
        Client.Response r = push(request().toByteArray(), "application/proto", Map.of());
        assertEquals(401, r.status(), r.body());
        assertTrue(r.body().startsWith("{\"code\":\"unauthenticated\""), r.body());
        assertTrue(r.body().contains("staging"), r.body());
        assertEquals(1, staging.count(), "a 401 is not retried");
        production.take();
    }

    @Test
    void unavailableDestinationIsNeverSuccess() throws Exception {
        start(Sink.start(), Sink.start().answering(500));
        Client.Response r = push(request().toByteArray(), "application/proto", Map.of());
        assertEquals(503, r.status(), r.body());
        assertTrue(r.body().startsWith("{\"code\":\"unavailable\""), r.body());
        assertEquals(2, production.count(), "5xx is retried up to maxBackoffRetries");
        staging.take();
    }

    @Test
    void connectTimeoutShortensTheDeadline() throws Exception {
        start(Sink.start(), Sink.start().answering(n -> new Sink.Answer(200, 5000, Map.of())));
        long t0 = System.nanoTime();
        Client.Response r = push(request().toByteArray(), "application/proto", Map.of("Connect-Timeout-Ms", "1200"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(504, r.status(), r.body());
        assertTrue(r.body().startsWith("{\"code\":\"deadline_exceeded\""), r.body());
        assertTrue(ms < 2000, "answer within the client's Connect-Timeout-Ms, took " + ms);
        staging.take();
    }
}
