package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing a client sends changes where a request goes, which labels it carries, or which headers leave the relay. */
class HeaderHygieneTest {
    @TempDir
    Path work;

    Sink sink;
    Sink elsewhere;
    Relay relay;
    int port;

    /** Headers a destination may see (docs/behaviour.md section 3) plus HTTP transport headers. */
    static final Set<String> ALLOWED = Set.of(
            "content-type",
            "content-encoding",
            "authorization",
            "x-scope-orgid",
            "user-agent",
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "accept-encoding",
            "x-custom",
            "x-other");

    @BeforeEach
    void start() throws Exception {
        sink = Sink.start();
        elsewhere = Sink.start();
        port = Relay.freePort();
        Path token = Files.writeString(work.resolve("token"), "file-token-1\n");
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("HeaderHygieneTest/relay.yaml")
                        .with("port", port)
                        .with("sink.url", sink.url())
                        .with("token", token)
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        sink.close();
        elsewhere.close();
    }

    @Test
    void injectedHeadersNeverLeaveOrRedirect() throws Exception {
        byte[] body = "profile-bytes".getBytes(StandardCharsets.UTF_8);
        String evil = "http://127.0.0.1:" + elsewhere.port() + "/stolen";
        String head = "POST /ingest?name=app%7Benv%3Ddev%7D&from=1&until=2 HTTP/1.1\r\n"
                + "Host: evil.example:1234\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "CamelHttpUri: " + evil + "\r\n"
                + "CamelHttpPath: /stolen\r\n"
                + "CamelHttpQuery: name=stolen\r\n"
                + "CamelHttpMethod: PUT\r\n"
                + "Cookie: session=secret-cookie\r\n"
                + "Authorization: Bearer client-secret\r\n"
                + "pyroscope.label.env: hacked\r\n"
                + "pyroscope.label.injected: yes\r\n"
                + "X-Scope-OrgID: client-tenant\r\n"
                + "X-Forwarded-For: 10.9.9.9\r\n"
                + "Connection: close\r\n\r\n";
        Client.Response r = Client.raw(port, head, body);
        assertEquals(200, r.status(), r.body());
        Received first = sink.take();
        Received second = sink.take();
        Received basic = first.path().startsWith("/basic") ? first : second;
        Received token = basic == first ? second : first;
        assertNull(elsewhere.poll(300), "a client header redirected the request");
        assertEquals("/basic/ingest", basic.path());
        assertEquals("/token/ingest", token.path());
        for (Received got : new Received[] {basic, token}) {
            assertEquals("POST", got.method());
            for (String h : got.headers().keySet()) {
                assertTrue(ALLOWED.contains(h), "header leaked to destination: " + h);
            }
            assertTrue(got.header("Host").startsWith("127.0.0.1:"), got.header("Host"));
            assertTrue(got.header("User-Agent").startsWith("pyroscope-relay/"), got.header("User-Agent"));
            Map<String, String> labels = Fixtures.forwardedName(got.rawQuery()).labels();
            assertNull(labels.get("injected"));
            assertTrue(got.rawQuery().startsWith("name=app"), got.rawQuery());
        }
        assertEquals("prod", Fixtures.forwardedName(basic.rawQuery()).labels().get("env"));
        assertEquals(
                "dev",
                Fixtures.forwardedName(token.rawQuery()).labels().get("env"),
                "client header must not set labels");
        assertEquals("Basic d3JpdGVyLXVzZXI6d3JpdGVyLXBhc3M=", basic.header("Authorization"));
        assertEquals("Bearer file-token-1", token.header("Authorization"));
        assertEquals("writer-tenant", basic.header("X-Scope-OrgID"));
        assertEquals(
                "client-tenant", token.header("X-Scope-OrgID"), "without tenantId the client's tenant is forwarded");
        assertEquals("one", basic.header("X-Custom"));
        assertEquals("two", basic.header("X-Other"));
        assertNull(token.header("X-Custom"));
    }

    @Test
    void bearerTokenFileIsReadAgainWhenItChanges() throws Exception {
        Client.post(port, "/ingest?name=app", new byte[] {1}, Map.of());
        sink.take();
        sink.take();
        assertEquals("Bearer file-token-1", tokenRequest().header("Authorization"));
        Files.writeString(work.resolve("token"), "file-token-2");
        Files.setLastModifiedTime(
                work.resolve("token"), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Client.post(port, "/ingest?name=app", new byte[] {1}, Map.of());
        Received a = sink.take();
        Received b = sink.take();
        Received token = a.path().startsWith("/token") ? a : b;
        assertEquals("Bearer file-token-2", token.header("Authorization"));
    }

    private Received tokenRequest() {
        return sink.all().stream()
                .filter(r -> r.path().startsWith("/token"))
                .findFirst()
                .orElseThrow();
    }
}
