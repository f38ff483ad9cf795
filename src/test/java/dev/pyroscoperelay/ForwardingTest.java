package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Fixtures.Capture;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies reach every destination byte for byte, whatever shape the SDK sent. */
class ForwardingTest {
    @TempDir
    Path work;

    Sink a;
    Sink b;
    Relay relay;
    int port;

    @BeforeEach
    void start() throws Exception {
        a = Sink.start();
        b = Sink.start();
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("ForwardingTest/relay.yaml")
                        .with("port", port)
                        .with("a.url", a.url())
                        .with("b.url", b.url())
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        a.close();
        b.close();
    }

    private void assertBothGot(byte[] body, String contentType, String queryWithoutName) throws Exception {
        Received ra = a.take();
        Received rb = b.take();
        assertEquals("/ingest", ra.path());
        assertEquals("/some/prefix/ingest", rb.path(), "a path prefix in url is kept");
        for (Received r : new Received[] {ra, rb}) {
            assertArrayEquals(body, r.body());
            assertEquals(contentType, r.header("Content-Type"));
            assertEquals(queryWithoutName, Fixtures.withoutName(r.rawQuery()));
        }
        assertEquals("b", Fixtures.forwardedName(rb.rawQuery()).labels().get("env"));
        assertEquals(
                null, Fixtures.forwardedName(ra.rawQuery()).labels().get("env"), "labels of one writer stay there");
    }

    @Test
    void javaAgentCapturesChunked() throws Exception {
        for (int n = 1; n <= 2; n++) {
            Capture c = Fixtures.javaAgent(n);
            Client.Response r = Client.postChunked(
                    port, "/ingest?" + c.rawQuery(), c.body(), Map.of("Content-Type", c.contentType()));
            assertEquals(200, r.status(), r.body());
            assertBothGot(c.body(), c.contentType(), Fixtures.withoutName(c.rawQuery()));
        }
    }

    @Test
    void javaAgentCaptureWithContentLength() throws Exception {
        Capture c = Fixtures.javaAgent(1);
        Client.Response r =
                Client.post(port, "/ingest?" + c.rawQuery(), c.body(), Map.of("Content-Type", c.contentType()));
        assertEquals(200, r.status(), r.body());
        assertBothGot(c.body(), c.contentType(), Fixtures.withoutName(c.rawQuery()));
    }

    @Test
    void javaAgentLabelsSurviveWithPlusAndSpaces() throws Exception {
        Capture c = Fixtures.javaAgent(1);
        Client.postChunked(port, "/ingest?" + c.rawQuery(), c.body(), Map.of("Content-Type", c.contentType()));
        Map<String, String> labels = Fixtures.forwardedName(a.take().rawQuery()).labels();
        b.take();
        assertEquals("17.0.15+6-Debian-1deb12u1", labels.get("process.runtime.version"));
        assertEquals("OpenJDK Runtime Environment", labels.get("process.runtime.name"));
        assertEquals("com.grafana.pyroscope/java", labels.get("otel.scope.name"));
        assertEquals("relay.fixture.java", labels.get("service_name"));
        assertEquals("fixture-host", labels.get("host"));
    }

    @Test
    void gzipPprofRawBody() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 5000; i++) {
                gz.write(("pprof-sample-" + i * 7919).getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] body = bytes.toByteArray();
        String query = "name=node.app%7Bteam%3Dweb%7D&from=1700000000&until=1700000010&spyName=nodespy&sampleRate=100";
        Client.Response r =
                Client.post(port, "/ingest?" + query, body, Map.of("Content-Type", "application/octet-stream"));
        assertEquals(200, r.status(), r.body());
        assertBothGot(
                body, "application/octet-stream", "from=1700000000&until=1700000010&spyName=nodespy&sampleRate=100");
    }

    @Test
    void goStyleMultipartWithProfileAndSampleTypeConfig() throws Exception {
        String boundary = "b0undary-go";
        byte[] profile = new byte[4096];
        for (int i = 0; i < profile.length; i++) {
            profile[i] = (byte) (i * 31);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary
                        + "\r\nContent-Disposition: form-data; name=\"profile\"; filename=\"profile.pprof\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.write(profile);
        body.write(("\r\n--" + boundary
                        + "\r\nContent-Disposition: form-data; name=\"sample_type_config\"; filename=\"sample_type_config.json\"\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n{\"cpu\":{\"units\":\"nanoseconds\"}}\r\n--"
                        + boundary + "--\r\n")
                .getBytes(StandardCharsets.UTF_8));
        String ct = "multipart/form-data; boundary=" + boundary;
        String query = "name=go.app&from=1&until=2&spyName=gospy";
        Client.Response r =
                Client.postChunked(port, "/ingest?" + query, body.toByteArray(), Map.of("Content-Type", ct));
        assertEquals(200, r.status(), r.body());
        assertBothGot(body.toByteArray(), ct, "from=1&until=2&spyName=gospy");
    }

    @Test
    void nodeStylePlusForSpaceIsDecodedInName() throws Exception {
        Client.Response r = Client.post(
                port,
                "/ingest?name=node.app%7Bk%3Dhello+world%7D&from=1&until=2",
                "collapsed;stack 1\n".getBytes(StandardCharsets.UTF_8),
                Map.of("Content-Type", "text/plain"));
        assertEquals(200, r.status(), r.body());
        Received ra = a.take();
        b.take();
        assertEquals(
                "hello world", Fixtures.forwardedName(ra.rawQuery()).labels().get("k"));
        assertTrue(ra.rawQuery().contains("hello%20world"), ra.rawQuery());
    }
}
