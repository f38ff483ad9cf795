package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/behaviour.md section 4: bad input gets a 4xx with a reason, nothing is forwarded, and the relay goes on serving. */
class BadInputTest {
    @TempDir
    Path work;

    Sink sink;
    Relay relay;
    int port;

    @BeforeEach
    void start() throws Exception {
        sink = Sink.start();
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("BadInputTest/relay.yaml")
                        .with("port", port)
                        .with("sink.url", sink.url())
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterEach
    void stop() throws Exception {
        relay.close();
        sink.close();
    }

    private void assertRefused(int status, String reasonPart, Client.Response r) throws Exception {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.body().contains(reasonPart), "reason '" + reasonPart + "' not in: " + r.body());
        assertNull(sink.poll(100), "nothing may be forwarded");
        assertServing();
    }

    private void assertServing() throws Exception {
        Client.Response ok = Client.post(port, "/ingest?name=ok.app", new byte[] {1}, Map.of());
        assertEquals(200, ok.status(), ok.body());
        sink.take();
    }

    private Client.Response ingest(String name, byte[] body) throws Exception {
        return Client.post(
                port, "/ingest?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "&from=1", body, Map.of());
    }

    @Test
    void missingName() throws Exception {
        assertRefused(400, "name", Client.post(port, "/ingest?from=1&until=2", new byte[] {1}, Map.of()));
    }

    @Test
    void unparseableNames() throws Exception {
        assertRefused(400, "missing '}'", ingest("app{env=dev", new byte[] {1}));
        assertRefused(400, "no '='", ingest("app{env}", new byte[] {1}));
        assertRefused(400, "application name", ingest("my app{}", new byte[] {1}));
        assertRefused(400, "invalid label name", ingest("app{bad-name=1}", new byte[] {1}));
        assertRefused(400, "empty", ingest("{env=dev}", new byte[] {1}));
        assertRefused(
                400,
                "percent",
                Client.raw(
                        port,
                        "POST /ingest?name=app%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                                + "Connection: close\r\n\r\n",
                        new byte[] {1}));
    }

    @Test
    void emptyBody() throws Exception {
        assertRefused(400, "empty body", ingest("app", new byte[0]));
    }

    @Test
    void tooManyLabels() throws Exception {
        StringBuilder name = new StringBuilder("app{");
        for (int i = 0; i < 28; i++) {
            name.append(i == 0 ? "" : ",").append("l").append(i).append("=v");
        }
        // 28 client labels + service_name = 29; the route adds 'added' = 30: still fine
        Client.Response ok = ingest(name + "}", new byte[] {1});
        assertEquals(200, ok.status(), ok.body());
        sink.take();
        assertRefused(400, "too many labels", ingest(name + ",l99=v}", new byte[] {1}));
    }

    @Test
    void tooLongNameAndValue() throws Exception {
        assertRefused(400, "longer than 2048", ingest("app{k=" + "v".repeat(2049) + "}", new byte[] {1}));
        assertRefused(400, "longer than 1024", ingest("app{" + "k".repeat(1025) + "=v}", new byte[] {1}));
    }

    @Test
    void bodyOverMaxBodySize() throws Exception {
        assertRefused(413, "maxBodySize", ingest("app", new byte[1001]));
        assertRefused(413, "maxBodySize", Client.postChunked(port, "/ingest?name=app", new byte[5000], Map.of()));
        Client.Response ok = ingest("app", new byte[1000]);
        assertEquals(200, ok.status(), ok.body());
        assertEquals(1000, sink.take().body().length);
    }

    @Test
    void unknownPathAndMethod() throws Exception {
        assertRefused(404, "/ingest", Client.post(port, "/api/v1/push", new byte[] {1}, Map.of()));
        assertRefused(404, "/ingest", Client.post(port, "/ingest/extra", new byte[] {1}, Map.of()));
        assertRefused(405, "POST", Client.get(port, "/ingest?name=app"));
        assertRefused(405, "POST", Client.get(port, "/push.v1.PusherService/Push"));
    }

    @Test
    void clientDisconnectsMidBody() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /ingest?name=cut.app HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(new byte[300]);
            out.flush();
        }
        assertNull(sink.poll(300), "a partial body must not be forwarded");
        assertServing();
    }
}
