package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.pyroscoperelay.proto.rpc.Status;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.Profile;
import io.opentelemetry.proto.profiles.v1development.ProfilesDictionary;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.profiles.v1development.ScopeProfiles;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OTLP/HTTP profiles (POST /v1development/profiles): protobuf, JSON and gzip to two destinations. The one without
 * external labels gets the body byte for byte; the other gets the same message (decoded with the official classes)
 * with its external labels as resource attributes of every ResourceProfiles, and nothing else changed. Errors are
 * google.rpc.Status answers with OTLP's status codes.
 */
class OtlpTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path work;

    private Sink plain;
    private Sink labelled;
    private Relay relay;
    private int port;

    private void start(Sink.Answer labelledAnswer) throws Exception {
        plain = Sink.start();
        labelled = Sink.start().answering(n -> labelledAnswer);
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("OtlpTest/relay.yaml")
                        .with("port", port)
                        .with("plain.url", plain.url())
                        .with("labelled.url", labelled.url())
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        plain.close();
        labelled.close();
    }

    private static KeyValue attribute(String key, String value) {
        return KeyValue.newBuilder()
                .setKey(key)
                .setValue(AnyValue.newBuilder().setStringValue(value))
                .build();
    }

    private static ResourceProfiles resource(String service, String host) {
        return ResourceProfiles.newBuilder()
                .setResource(Resource.newBuilder()
                        .addAttributes(attribute("service.name", service))
                        .addAttributes(attribute("host.name", host))
                        .addAttributes(attribute("cluster", "from-the-client")))
                .addScopeProfiles(ScopeProfiles.newBuilder()
                        .addProfiles(Profile.newBuilder()
                                .setProfileId(ByteString.copyFrom(new byte[16]))
                                .setTimeUnixNano(1_700_000_000_000_000_000L)
                                .setDurationNano(10_000_000_000L)))
                .setSchemaUrl("https://opentelemetry.io/schemas/1.30.0")
                .build();
    }

    /** A request with two resources, a dictionary, and a field this build does not know (number 999). */
    private static ExportProfilesServiceRequest export() {
        return ExportProfilesServiceRequest.newBuilder()
                .addResourceProfiles(resource("checkout", "node-1"))
                .addResourceProfiles(resource("cart", "node-2"))
                .setDictionary(
                        ProfilesDictionary.newBuilder().addStringTable("").addStringTable("main"))
                .setUnknownFields(UnknownFieldSet.newBuilder()
                        .addField(
                                999,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(ByteString.copyFromUtf8("from a newer OTLP"))
                                        .build())
                        .build())
                .build();
    }

    /** What the labelled destination must get: cluster replaced, host.name removed, the rest the same. */
    private static ExportProfilesServiceRequest labelled(ExportProfilesServiceRequest sent) {
        ExportProfilesServiceRequest.Builder b = sent.toBuilder();
        for (ResourceProfiles.Builder rp : b.getResourceProfilesBuilderList()) {
            String service = rp.getResource().getAttributes(0).getValue().getStringValue();
            rp.getResourceBuilder()
                    .clearAttributes()
                    .addAttributes(attribute("service.name", service))
                    .addAttributes(attribute("cluster", "eu-1"));
        }
        return b.build();
    }

    private HttpResponse<byte[]> post(byte[] body, String contentType, String encoding) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1development/profiles"))
                .version(HttpClient.Version.HTTP_1_1)
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (encoding != null) {
            r.header("Content-Encoding", encoding);
        }
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] gzip(byte[] bytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    @Test
    void protobufReachesBothDestinationsWithExternalLabelsAsResourceAttributes() throws Exception {
        start(Sink.Answer.status(200));
        ExportProfilesServiceRequest sent = export();
        HttpResponse<byte[]> r = post(sent.toByteArray(), "application/x-protobuf", null);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(
                "application/x-protobuf", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(0, r.body().length, "an empty ExportProfilesServiceResponse");

        Sink.Received asSent = plain.take();
        assertEquals("/v1development/profiles", asSent.path());
        assertEquals("application/x-protobuf", asSent.header("Content-Type"));
        assertArrayEquals(sent.toByteArray(), asSent.body(), "no external labels: byte for byte");

        Sink.Received got = labelled.take();
        ExportProfilesServiceRequest decoded = ExportProfilesServiceRequest.parseFrom(got.body());
        assertEquals(labelled(sent), decoded);
        assertEquals(
                "from a newer OTLP",
                decoded.getUnknownFields()
                        .getField(999)
                        .getLengthDelimitedList()
                        .get(0)
                        .toStringUtf8(),
                "a field this build does not know is passed on");
    }

    @Test
    void gzipIsForwardedAsSentOrDecodedForLabels() throws Exception {
        start(Sink.Answer.status(200));
        ExportProfilesServiceRequest sent = export();
        byte[] compressed = gzip(sent.toByteArray());
        HttpResponse<byte[]> r = post(compressed, "application/x-protobuf", "gzip");
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        Sink.Received asSent = plain.take();
        assertArrayEquals(compressed, asSent.body());
        assertEquals("gzip", asSent.header("Content-Encoding"));
        assertEquals(
                labelled(sent),
                ExportProfilesServiceRequest.parseFrom(labelled.take().body()));
    }

    @Test
    void jsonIsEditedAsATreeKeepingHexIdsAndUnknownKeys() throws Exception {
        start(Sink.Answer.status(200));
        String json = """
                {"resourceProfiles":[{"resource":{"attributes":[
                   {"key":"service.name","value":{"stringValue":"checkout"}},
                   {"key":"host.name","value":{"stringValue":"node-1"}}]},
                 "scopeProfiles":[{"profiles":[{"profileId":"0123456789abcdef0123456789abcdef","timeUnixNano":"1700000000000000000"}]}],
                 "futureField":{"x":1}}],
                 "dictionary":{"stringTable":["","main"]}}
                """;
        HttpResponse<byte[]> r = post(json.getBytes(StandardCharsets.UTF_8), "application/json", null);
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals("{}", new String(r.body(), StandardCharsets.UTF_8));
        assertArrayEquals(json.getBytes(StandardCharsets.UTF_8), plain.take().body());

        ObjectMapper mapper = new ObjectMapper();
        JsonNode got = mapper.readTree(labelled.take().body());
        JsonNode expected = mapper.readTree(json);
        JsonNode rp = got.path("resourceProfiles").get(0);
        Map<String, String> attributes = new LinkedHashMap<>();
        rp.path("resource")
                .path("attributes")
                .forEach(kv -> attributes.put(
                        kv.path("key").asText(),
                        kv.path("value").path("stringValue").asText()));
        assertEquals(Map.of("service.name", "checkout", "cluster", "eu-1"), attributes);
        assertEquals(
                expected.path("resourceProfiles").get(0).path("scopeProfiles"),
                rp.path("scopeProfiles"),
                "profiles unchanged, the hex profileId included");
        assertEquals(expected.path("resourceProfiles").get(0).path("futureField"), rp.path("futureField"));
        assertEquals(expected.path("dictionary"), got.path("dictionary"));
    }

    @Test
    void badInputGetsAStatusAndTheRelayKeepsServing() throws Exception {
        start(Sink.Answer.status(200));
        HttpResponse<byte[]> wrongType = post(new byte[] {1}, "text/plain", null);
        assertEquals(415, wrongType.statusCode());
        assertTrue(Status.parseFrom(wrongType.body()).getMessage().contains("application/x-protobuf"));

        HttpResponse<byte[]> malformed = post(new byte[] {(byte) 0xff, 1, 2}, "application/x-protobuf", null);
        assertEquals(400, malformed.statusCode());
        Status status = Status.parseFrom(malformed.body());
        assertEquals(3, status.getCode(), "INVALID_ARGUMENT");
        assertTrue(status.getMessage().contains("malformed protobuf"), status.getMessage());

        HttpResponse<byte[]> badJson = post("[1,2]".getBytes(StandardCharsets.UTF_8), "application/json", null);
        assertEquals(400, badJson.statusCode());
        assertTrue(new String(badJson.body(), StandardCharsets.UTF_8).contains("\"code\":3"));

        // 64 MiB of zeros in a 64 KiB gzip: refused once the decompressed bytes pass the limit
        byte[] bomb = gzip(new byte[64 * 1024 * 1024]);
        HttpResponse<byte[]> tooLarge = post(bomb, "application/x-protobuf", "gzip");
        assertEquals(413, tooLarge.statusCode());
        assertEquals(0, plain.count() + labelled.count(), "nothing forwarded");

        HttpResponse<byte[]> fine = post(export().toByteArray(), "application/x-protobuf", null);
        assertEquals(200, fine.statusCode());
    }

    @Test
    void hugeAndManyRequests() throws Exception {
        start(Sink.Answer.status(200));
        // declares more than a decoded request may be (32 MiB in memory): refused before its body is read
        Client.Response huge = Client.raw(
                port,
                "POST /v1development/profiles HTTP/1.1\r\nHost: relay\r\nContent-Type: application/x-protobuf\r\n"
                        + "Content-Length: 41943040\r\n\r\n",
                new byte[1024]);
        assertEquals(413, huge.status());

        byte[] body = export().toByteArray();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            var answers = new java.util.ArrayList<java.util.concurrent.Future<HttpResponse<byte[]>>>();
            for (int i = 0; i < 200; i++) {
                answers.add(pool.submit(() -> post(body, "application/x-protobuf", null)));
            }
            for (var a : answers) {
                assertEquals(200, a.get().statusCode());
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(200, plain.count());
        assertEquals(200, labelled.count());
    }

    @Test
    void aDestinationsPartialSuccessReachesTheClient() throws Exception {
        byte[] partial =
                io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse.newBuilder()
                        .setPartialSuccess(
                                io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesPartialSuccess
                                        .newBuilder()
                                        .setRejectedProfiles(2)
                                        .setErrorMessage("2 profiles had no samples"))
                        .build()
                        .toByteArray();
        start(new Sink.Answer(200, 0, Map.of("Content-Type", "application/x-protobuf"), partial));
        HttpResponse<byte[]> r = post(export().toByteArray(), "application/x-protobuf", null);
        assertEquals(200, r.statusCode());
        var answer = io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse.parseFrom(
                r.body());
        assertEquals(2, answer.getPartialSuccess().getRejectedProfiles());
        assertEquals(
                "writer \"labelled\": 2 profiles had no samples",
                answer.getPartialSuccess().getErrorMessage());

        HttpResponse<byte[]> json =
                post("{\"resourceProfiles\":[]}".getBytes(StandardCharsets.UTF_8), "application/json", null);
        assertEquals(200, json.statusCode());
        assertTrue(
                new String(json.body(), StandardCharsets.UTF_8).contains("\"rejectedProfiles\":\"2\""),
                new String(json.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aFailingDestinationIsRetryableForTheClient() throws Exception {
        start(Sink.Answer.status(503));
        HttpResponse<byte[]> r = post(export().toByteArray(), "application/x-protobuf", null);
        assertEquals(503, r.statusCode());
        assertEquals("5", r.headers().firstValue("Retry-After").orElse(""));
        Status status = Status.parseFrom(r.body());
        assertEquals(14, status.getCode(), "UNAVAILABLE");
        assertTrue(status.getMessage().contains("labelled"), status.getMessage());
        assertEquals(1, plain.count(), "the other destination got it");
    }
}
