package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.TestCertificates;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** followRedirects (307/308 keep method and body, from memory or a spooled file) and enableHttp2 (h2 by ALPN). */
class RedirectAndHttp2Test {
    @TempDir
    Path work;

    private Relay relay;
    private Sink first;
    private Sink second;
    private Vertx vertx;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        for (Sink s : new Sink[] {first, second}) {
            if (s != null) {
                s.close();
            }
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private int[] start(String... writers) throws Exception {
        int[] ports = new int[writers.length];
        String[] parameters = new String[writers.length];
        for (int i = 0; i < writers.length; i++) {
            ports[i] = Relay.freePort();
            parameters[i] = "maxBackoffRetries: 1, " + writers[i];
        }
        Relay.writeRoute(work, "relay.yaml", RouteYaml.receiverPerWriter(ports, parameters));
        // bodies over 1 KiB are spooled to a file: a redirect sends the file again
        relay = Relay.start(work, Map.of("pyroscope.relay.body-memory-per-body", "1KiB"));
        return ports;
    }

    @Test
    void redirects307And308KeepTheBodyAndCredentialsStayWithTheirHost() throws Exception {
        second = Sink.start();
        first = Sink.start().answeringEach(r -> switch (r.path()) {
            case "/ingest" -> new Sink.Answer(307, 0, Map.of("Location", "/v2/ingest?" + r.rawQuery()));
            // another host name (the same machine): credentials do not follow, as Go's client does (it compares
            // host names, not ports)
            case "/v2/ingest" ->
                new Sink.Answer(308, 0, Map.of("Location", "http://localhost:" + second.port() + "/moved/ingest"));
            case "/found/ingest" -> new Sink.Answer(302, 0, Map.of("Location", second.url() + "/ingest"));
            default -> Sink.Answer.status(200);
        });
        int[] ports = start(
                "url: \"%s\", bearerToken: t0ken".formatted(first.url()),
                "url: \"%s/found\"".formatted(first.url()),
                "url: \"%s\", followRedirects: false".formatted(first.url()));
        for (byte[] body : List.of(new byte[] {1, 2, 3}, new byte[64 * 1024])) {
            java.util.Arrays.fill(body, 3, body.length, (byte) 7);
            Client.Response r = Client.post(ports[0], "/ingest?name=moved.app", body, Map.of());
            assertEquals(200, r.status(), r.body());
            Sink.Received got = second.take();
            assertEquals("/moved/ingest", got.path());
            assertArrayEquals(body, got.body(), "the same body after two redirects (" + body.length + " bytes)");
            assertNull(got.header("Authorization"), "the token is not sent to another host");
        }
        List<Sink.Received> hops = first.all();
        assertEquals("Bearer t0ken", hops.get(1).header("Authorization"), "same host: the token goes along");
        assertEquals("POST", hops.get(1).method());

        Client.Response found = Client.post(ports[1], "/ingest?name=found.app", new byte[] {1}, Map.of());
        assertEquals(502, found.status(), found.body());
        assertTrue(found.body().contains("redirect to " + second.url() + "/ingest not followed"), found.body());
        Client.Response off = Client.post(ports[2], "/ingest?name=off.app", new byte[] {1}, Map.of());
        assertEquals(502, off.status(), off.body());
        assertEquals(2, second.count(), "nothing else reached the second destination");
    }

    @Test
    void http2IsUsedWithTlsDestinationsThatOfferItUnlessTurnedOff() throws Exception {
        TestCertificates.Pair cert = TestCertificates.create(work, "h2", "localhost");
        vertx = Vertx.vertx();
        List<String> versions = new CopyOnWriteArrayList<>();
        int both = listen(cert, versions, List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1));
        int h2only = listen(cert, versions, List.of(HttpVersion.HTTP_2));
        int[] ports = start(
                "url: \"https://localhost:%d\", tlsCaFile: \"%s\"".formatted(both, cert.certPem()),
                "url: \"https://localhost:%d\", tlsCaFile: \"%s\", enableHttp2: false".formatted(both, cert.certPem()),
                "url: \"https://localhost:%d\", tlsCaFile: \"%s\"".formatted(h2only, cert.certPem()));
        for (int i = 0; i < 3; i++) {
            for (int n = 0; n < 3; n++) {
                Client.Response r = Client.post(ports[i], "/ingest?name=h2.app", new byte[] {1}, Map.of());
                assertEquals(200, r.status(), r.body());
            }
        }
        assertEquals(
                List.of("HTTP_2", "HTTP_2", "HTTP_2", "HTTP_1_1", "HTTP_1_1", "HTTP_1_1", "HTTP_2", "HTTP_2", "HTTP_2"),
                versions);
    }

    private int listen(TestCertificates.Pair cert, List<String> versions, List<HttpVersion> alpn) throws Exception {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                .setHost("127.0.0.1")
                .setPort(0)
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(alpn)
                .setKeyCertOptions(new PemKeyCertOptions()
                        .setCertPath(cert.certPem().toString())
                        .setKeyPath(cert.keyPem().toString())));
        server.requestHandler(req -> req.body().onComplete(b -> {
            versions.add(req.version().name());
            req.response().setStatusCode(200).end();
        }));
        return server.listen()
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .actualPort();
    }
}
