package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Pyroscope Java agent (src/test/resources/fixtures/java-agent/run-java-agent.sh) uploading through the relay. */
@Tag("agent")
class JavaAgentEndToEndTest {
    @TempDir
    Path work;

    @Test
    void realAgentThroughRelayToTwoDestinations() throws Exception {
        Path script = Fixtures.dir().resolve("java-agent/run-java-agent.sh");
        try (Sink a = Sink.start();
                Sink b = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("JavaAgentEndToEndTest/relay.yaml")
                            .with("port", port)
                            .with("a.url", a.url())
                            .with("b.url", b.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                Path log = work.resolve("agent.log");
                Process agent = new ProcessBuilder("bash", script.toString(), "http://127.0.0.1:" + port, "5")
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
                boolean done = agent.waitFor(240, TimeUnit.SECONDS);
                if (!done) {
                    agent.destroyForcibly();
                }
                String output = Files.readString(log);
                assertTrue(done, "agent did not finish: " + output);
                assertEquals(0, agent.exitValue(), output);
                assertTrue(a.count() >= 2, "expected at least 2 uploads, got " + a.count() + "\n" + output);
                assertEquals(a.count(), b.count());
                assertTrue(
                        !output.contains("Gave up") && !output.contains("code 5") && !output.contains("code 4"),
                        output);
                for (int i = 0; i < a.count(); i++) {
                    Received ra = a.all().get(i);
                    Received rb = b.all().stream()
                            .filter(r -> r.rawQuery().contains(fromOf(ra.rawQuery())))
                            .findFirst()
                            .orElseThrow();
                    assertEquals("/a/ingest", ra.path());
                    assertEquals("/ingest", rb.path());
                    assertArrayEquals(ra.body(), rb.body(), "both destinations get the same bytes");
                    assertEquals(ra.header("Content-Type"), rb.header("Content-Type"));
                    assertTrue(
                            ra.header("Content-Type").startsWith("multipart/form-data; boundary="),
                            ra.header("Content-Type"));
                    assertJfrPart(ra);
                    assertEquals("Basic c2VydmVyLXVzZXI6c2VydmVyLXBhc3M=", ra.header("Authorization"));
                    assertEquals(
                            "tenant-a",
                            ra.header("X-Scope-OrgID"),
                            "the agent's tenant is forwarded when tenantId is unset");
                    assertEquals("tenant-b", rb.header("X-Scope-OrgID"));
                    assertNull(
                            rb.header("Authorization"), "the agent's own Authorization must not reach a destination");
                    assertNull(ra.header("X-Fixture"));
                    assertNull(ra.header("X-Extra"));
                    Map<String, String> labels =
                            Fixtures.forwardedName(ra.rawQuery()).labels();
                    assertEquals("relay.fixture.java", labels.get("service_name"));
                    assertEquals("obs", labels.get("team"));
                    assertEquals("eu-west", labels.get("region"));
                    assertEquals("e2e", labels.get("relay"));
                    assertTrue(labels.get("process.runtime.version").contains("+"), labels.toString());
                    assertTrue(
                            ra.rawQuery().contains("format=jfr")
                                    && ra.rawQuery().contains("spyName=javaspy"),
                            ra.rawQuery());
                }
            }
        }
    }

    private static String fromOf(String query) {
        return Arrays.stream(query.split("&"))
                .filter(p -> p.startsWith("from="))
                .findFirst()
                .orElseThrow();
    }

    /** The jfr part gunzips to a JFR recording (FLR\0): the body was not altered on the way. */
    private static void assertJfrPart(Received r) throws Exception {
        String boundary =
                r.header("Content-Type").substring(r.header("Content-Type").indexOf("boundary=") + 9);
        byte[] body = r.body();
        String text = new String(body, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("--" + boundary + "\r\n"), "multipart body starts with its boundary");
        assertTrue(text.endsWith("--" + boundary + "--\r\n"), "multipart body ends with the closing boundary");
        int start = text.indexOf("name=\"jfr\"");
        int data = text.indexOf("\r\n\r\n", start) + 4;
        int end = text.indexOf("\r\n--" + boundary, data);
        byte[] jfr = Arrays.copyOfRange(body, data, end);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(jfr))) {
            assertArrayEquals(new byte[] {'F', 'L', 'R', 0}, in.readNBytes(4));
        }
    }
}
