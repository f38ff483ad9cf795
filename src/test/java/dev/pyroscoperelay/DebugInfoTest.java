package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.FileMetadata;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.ShouldInitiateUploadRequest;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.ShouldInitiateUploadResponse;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.UploadFinishedRequest;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.DebugInfoServer;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pyroscope's debug-info API through a receiver whose route sends to two writers (a multicast, as the seed's
 * multiple-destinations example, through direct: routes): the three calls reach the first writer's destination only,
 * its answers come back as they are, the other writer skips them without a failure, and uploads still reach both.
 */
class DebugInfoTest {
    private static final String SERVICE = "/debuginfo.v1alpha1.DebuginfoService/";

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newHttpClient();
    private DebugInfoServer first;
    private DebugInfoServer second;
    private Relay relay;
    private int port;

    /** firstWriter: extra parameters of the first writer, one per line at its indentation. */
    private void start(String firstWriter) throws Exception {
        first = DebugInfoServer.start();
        second = DebugInfoServer.start();
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("DebugInfoTest/relay.yaml")
                        .with("port", port)
                        .with("first.url", first.url())
                        .with("firstWriter", firstWriter)
                        .with("second.url", second.url())
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        for (DebugInfoServer s : new DebugInfoServer[] {first, second}) {
            if (s != null) {
                s.close();
            }
        }
    }

    private HttpResponse<byte[]> post(String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static ShouldInitiateUploadRequest should(String buildId) {
        return ShouldInitiateUploadRequest.newBuilder()
                .setFile(FileMetadata.newBuilder()
                        .setGnuBuildId(buildId)
                        .setName("/usr/bin/app")
                        .setType(FileMetadata.Type.TYPE_EXECUTABLE_FULL))
                .build();
    }

    @Test
    void theThreeCallsReachTheFirstDestinationOnlyAndItsAnswersComeBack() throws Exception {
        start("");
        HttpResponse<byte[]> asked = post(
                SERVICE + "ShouldInitiateUpload",
                "application/proto",
                should("abc123").toByteArray());
        assertEquals(200, asked.statusCode(), new String(asked.body(), StandardCharsets.UTF_8));
        assertEquals(
                "application/proto", asked.headers().firstValue("Content-Type").orElse(null));
        ShouldInitiateUploadResponse answer = ShouldInitiateUploadResponse.parseFrom(asked.body());
        assertTrue(answer.getShouldInitiateUpload(), answer.toString());

        byte[] file = new byte[3 * 1024 * 1024];
        new java.util.Random(7).nextBytes(file);
        HttpResponse<byte[]> uploaded = post(SERVICE + "Upload/abc123", null, file);
        assertEquals(200, uploaded.statusCode(), new String(uploaded.body(), StandardCharsets.UTF_8));
        assertEquals(sha256(file) + " " + file.length, first.uploaded("abc123"), "the file arrived byte for byte");

        HttpResponse<byte[]> done = post(
                SERVICE + "UploadFinished",
                "application/json",
                JsonFormat.printer()
                        .print(UploadFinishedRequest.newBuilder().setGnuBuildId("abc123"))
                        .getBytes(StandardCharsets.UTF_8));
        assertEquals(200, done.statusCode(), new String(done.body(), StandardCharsets.UTF_8));
        assertEquals(
                "application/json", done.headers().firstValue("Content-Type").orElse(null));

        // the destination now knows the file: its answer (not the relay's) says so, in JSON as asked
        HttpResponse<byte[]> again = post(
                SERVICE + "ShouldInitiateUpload",
                "application/json",
                JsonFormat.printer().print(should("abc123")).getBytes(StandardCharsets.UTF_8));
        ShouldInitiateUploadResponse.Builder known = ShouldInitiateUploadResponse.newBuilder();
        JsonFormat.parser().merge(new String(again.body(), StandardCharsets.UTF_8), known);
        assertFalse(known.getShouldInitiateUpload());
        assertEquals("already uploaded", known.getReason());

        assertEquals(
                List.of("ShouldInitiateUpload", "Upload", "UploadFinished", "ShouldInitiateUpload"), first.calls());
        assertEquals(List.of(), second.calls(), "the second writer skips debug info");

        // profiles still go to both (and the relabel rules still apply to them)
        assertEquals(
                200,
                Client.post(port, "/ingest?name=app", new byte[] {1}, Map.of()).status());
        assertEquals(
                200,
                Client.post(port, "/ingest?name=dropped", new byte[] {1}, Map.of())
                        .status());
        assertEquals(
                List.of("ShouldInitiateUpload", "Upload", "UploadFinished", "ShouldInitiateUpload", "other"),
                first.calls());
        assertEquals(List.of("other"), second.calls());

        String metrics = Client.get(relay.managementPort(), "/observe/metrics").body();
        assertEquals(4.0, sum(metrics, "pyroscope_relay_write_debuginfo_calls_total", "writer=\"first\""), metrics);
        assertEquals(1.0, sum(metrics, "pyroscope_relay_write_debuginfo_calls_total", "method=\"Upload\""));
        assertEquals(0.0, sum(metrics, "pyroscope_relay_write_debuginfo_calls_total", "writer=\"second\""));
        assertEquals(0.0, sum(metrics, "pyroscope_relay_write_dropped_profiles_total", "writer=\"second\""));
        assertEquals(4.0, sum(metrics, "pyroscope_relay_received_requests_total", "api=\"debuginfo\""));
    }

    @Test
    void aWriterWithDebugInfoOffPassesThemToTheNext() throws Exception {
        start("              debugInfo: false");
        HttpResponse<byte[]> asked = post(
                SERVICE + "ShouldInitiateUpload",
                "application/proto",
                should("x1").toByteArray());
        assertEquals(200, asked.statusCode());
        assertEquals(List.of(), first.calls());
        assertEquals(List.of("ShouldInitiateUpload"), second.calls());
    }

    @Test
    void aFailingDestinationIsAnsweredAsItAnsweredAndNoneAtAllIs503() throws Exception {
        start("");
        first.answering(503);
        HttpResponse<byte[]> failed = post(SERVICE + "Upload/b1", null, new byte[] {1, 2, 3});
        assertEquals(503, failed.statusCode(), "the destination's answer, as it is");
        assertEquals("down\n", new String(failed.body(), StandardCharsets.UTF_8));
        assertEquals(List.of(), second.calls(), "not sent to another destination instead");

        first.close();
        HttpResponse<byte[]> unreachable = post(
                SERVICE + "ShouldInitiateUpload",
                "application/proto",
                should("b1").toByteArray());
        // no answer to pass on: the relay's own, a Connect error (unavailable is HTTP 503 in Connect)
        assertEquals(503, unreachable.statusCode(), new String(unreachable.body(), StandardCharsets.UTF_8));
        String connect = new String(unreachable.body(), StandardCharsets.UTF_8);
        assertTrue(connect.contains("\"code\":\"unavailable\""), connect);
    }

    @Test
    void malformedCallsGetAReasonAndTheRelayKeepsServing() throws Exception {
        start("");
        HttpResponse<byte[]> garbage =
                post(SERVICE + "ShouldInitiateUpload", "application/proto", new byte[] {(byte) 0xff, 1, 2});
        assertEquals(400, garbage.statusCode());
        assertTrue(new String(garbage.body(), StandardCharsets.UTF_8).contains("ShouldInitiateUploadRequest"));
        HttpResponse<byte[]> badJson =
                post(SERVICE + "UploadFinished", "application/json", "{nope".getBytes(StandardCharsets.UTF_8));
        assertEquals(400, badJson.statusCode());
        HttpResponse<byte[]> noType = post(SERVICE + "UploadFinished", null, new byte[0]);
        assertEquals(415, noType.statusCode());
        HttpResponse<byte[]> noId = post(SERVICE + "Upload/", null, new byte[] {1});
        assertEquals(404, noId.statusCode());
        HttpResponse<byte[]> nested = post(SERVICE + "Upload/a/b", null, new byte[] {1});
        assertEquals(404, nested.statusCode());
        HttpResponse<byte[]> list = post(SERVICE + "ListDebuginfo", "application/proto", new byte[0]);
        assertEquals(404, list.statusCode(), "Alloy relays the three calls only");
        assertEquals(List.of(), first.calls(), "nothing malformed was forwarded");
        // many at once, on the relay's loops: all answered by the destination
        List<CompletableFuture<HttpResponse<byte[]>>> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            HttpRequest r = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + SERVICE + "ShouldInitiateUpload"))
                    .header("Content-Type", "application/proto")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(
                            should("many" + i).toByteArray()))
                    .build();
            many.add(http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()));
        }
        for (CompletableFuture<HttpResponse<byte[]>> f : many) {
            assertEquals(200, f.get().statusCode());
        }
        assertEquals(50, first.calls().size());
    }

    @Test
    void aRouteWithoutADebugInfoWriterAnswers503() throws Exception {
        start("              debugInfo: false");
        relay.close();
        relay = null;
        Relay.writeRoute(
                work,
                "relay.yaml",
                dev.pyroscoperelay.support.RouteYaml.receiveAndWrite("only", port, first.url())
                        .replace("url: " + first.url(), "url: " + first.url() + "\n              debugInfo: false"));
        relay = Relay.start(work);
        HttpResponse<byte[]> r =
                post(SERVICE + "ShouldInitiateUpload", "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(503, r.statusCode());
        assertTrue(
                new String(r.body(), StandardCharsets.UTF_8).contains("debugInfo"),
                new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(List.of(), first.calls());
    }

    static double sum(String metrics, String name, String label) {
        double total = 0;
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$")
                .matcher(metrics);
        while (m.find()) {
            if (m.group(1).contains(label)) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
