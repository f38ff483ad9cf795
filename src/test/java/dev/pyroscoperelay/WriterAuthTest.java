package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.KubeletVolume;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alloy's {@code authorization} and {@code oauth2} blocks on a writer, against an OAuth2 token server (client
 * credentials grant) and a destination on loopback that check what they get.
 */
class WriterAuthTest {
    @TempDir
    Path work;

    private Sink destination;
    private TokenServer tokens;
    private Relay relay;
    private int port;

    /** A client-credentials token endpoint: tokens tok-1, tok-2, ... each valid for {@code expiresIn} seconds. */
    static final class TokenServer implements AutoCloseable {
        final HttpServer server;
        final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
        final AtomicInteger issued = new AtomicInteger();
        volatile int status = 200;
        volatile long expiresIn = 3600;
        /** Refuse basic auth (credentials must come in the form). */
        volatile boolean formOnly;

        TokenServer() throws Exception {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/token", ex -> {
                Map<String, String> form = new HashMap<>();
                for (String pair : new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8).split("&")) {
                    int eq = pair.indexOf('=');
                    form.put(
                            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth != null) {
                    form.put(
                            "basic", new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8));
                }
                requests.add(form);
                boolean clientOk = "relay:s3cret".equals(form.get("basic")) && !formOnly
                        || "relay".equals(form.get("client_id")) && "s3cret".equals(form.get("client_secret"));
                int s = status != 200 ? status : clientOk ? 200 : 401;
                byte[] body = s == 200
                        ? ("{\"access_token\":\"tok-" + issued.incrementAndGet() + "\",\"token_type\":\"bearer\","
                                        + "\"expires_in\":" + expiresIn + "}")
                                .getBytes(StandardCharsets.UTF_8)
                        : "{\"error\":\"invalid_client\"}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(s, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private void start(String writerParameters) throws Exception {
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("WriterAuthTest/relay.yaml")
                        .with("port", port)
                        .with("destination.url", destination.url())
                        .with("writerParameters", writerParameters)
                        .yaml());
        relay = Relay.start(work);
    }

    private String oauth2() {
        return """
                              oauth2ClientId: relay
                              oauth2ClientSecret: s3cret
                              oauth2TokenUrl: %s
                              oauth2Scopes: "profiles:write, profiles:read"
                              oauth2EndpointParams: "audience=pyroscope; resource=https://pyroscope.example"
                """.formatted(tokens.url());
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (destination != null) {
            destination.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    private int upload(String app) throws Exception {
        return Client.post(port, "/ingest?name=" + app, new byte[] {1}, Map.of())
                .status();
    }

    @Test
    void theTokenIsFetchedOnceWithScopesAndParamsAndSentToTheDestination() throws Exception {
        destination = Sink.start();
        tokens = new TokenServer();
        start(oauth2());
        for (int i = 0; i < 5; i++) {
            assertEquals(200, upload("app" + i));
        }
        assertEquals(1, tokens.requests.size(), "cached: " + tokens.requests);
        Map<String, String> form = tokens.requests.get(0);
        assertEquals("client_credentials", form.get("grant_type"));
        assertEquals("profiles:write profiles:read", form.get("scope"));
        assertEquals("pyroscope", form.get("audience"));
        assertEquals("https://pyroscope.example", form.get("resource"));
        assertEquals("relay:s3cret", form.get("basic"), "client authentication by basic auth first");
        assertTrue(destination.all().stream().allMatch(r -> "Bearer tok-1".equals(r.header("Authorization"))));
        assertFalse(relay.toString().contains("s3cret"));
    }

    @Test
    void aTokenIsRefreshedBeforeItExpiresAndAfterA401() throws Exception {
        destination = Sink.start();
        tokens = new TokenServer();
        tokens.expiresIn = 11; // refreshed 10 s before it expires: valid for 1 s here
        start(oauth2());
        assertEquals(200, upload("a"));
        Await.until("a new token once the first is about to expire", Duration.ofSeconds(20), () -> {
            try {
                return upload("b") == 200 && tokens.issued.get() >= 2;
            } catch (Exception e) {
                return false;
            }
        });
        tokens.expiresIn = 3600;
        // the destination revokes the token in use: the writer fetches another and sends again, the SDK sees 200
        String revoked = "Bearer tok-" + tokens.issued.get();
        destination.answeringEach(
                r -> revoked.equals(r.header("Authorization")) ? Sink.Answer.status(401) : Sink.Answer.status(200));
        int before = tokens.issued.get();
        assertEquals(200, upload("c"));
        assertEquals(before + 1, tokens.issued.get());
        List<Sink.Received> all = destination.all();
        assertEquals("Bearer tok-" + (before + 1), all.get(all.size() - 1).header("Authorization"));
    }

    @Test
    void aFailingTokenEndpointFailsTheWriterRetryablyWithoutTellingTheSecret() throws Exception {
        destination = Sink.start();
        tokens = new TokenServer();
        tokens.status = 500;
        start(oauth2());
        Client.Response r = Client.post(port, "/ingest?name=a", new byte[] {1}, Map.of());
        assertEquals(503, r.status(), r.body());
        assertTrue(r.body().contains("OAuth2 token endpoint"), r.body());
        assertFalse(r.body().contains("s3cret"), r.body());
        assertEquals(0, destination.count(), "nothing sent without a token");
        tokens.status = 200;
        assertEquals(200, upload("b"), "the next upload fetches a token again");
    }

    @Test
    void anEndpointThatRefusesBasicAuthGetsTheCredentialsInTheForm() throws Exception {
        destination = Sink.start();
        tokens = new TokenServer();
        tokens.formOnly = true;
        start(oauth2());
        assertEquals(200, upload("a"));
        assertEquals(2, tokens.requests.size());
        assertEquals("relay", tokens.requests.get(1).get("client_id"));
        assertEquals("Bearer tok-1", destination.take().header("Authorization"));
    }

    @Test
    void authorizationCredentialsFromAFileAreReadAgainWhenItChanges() throws Exception {
        destination = Sink.start();
        Path creds = Files.writeString(work.resolve("creds"), "abc\n");
        start("""
                              authorizationType: Token
                              authorizationCredentialsFile: %s
                """.formatted(creds));
        assertEquals(200, upload("a"));
        assertEquals("Token abc", destination.take().header("Authorization"));
        Path next = Files.writeString(work.resolve("creds.new"), "def-longer\n");
        Files.move(
                next,
                creds,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertEquals(200, upload("b"));
        assertEquals("Token def-longer", destination.take().header("Authorization"));
    }

    /** basic_auth > password_file from a Secret volume: a rotated password (the kubelet's ..data swap) is sent next. */
    @Test
    void aBasicAuthPasswordFileIsReadAgainWhenTheSecretIsUpdated() throws Exception {
        destination = Sink.start();
        KubeletVolume secret = KubeletVolume.create(work.resolve("secret"), Map.of("password", "first-pass\n"));
        start("""
                basicAuthUsername: relay
                basicAuthPasswordFile: %s
                """.formatted(secret.file("password")));
        assertEquals(200, upload("a"));
        assertEquals(basic("relay", "first-pass"), destination.take().header("Authorization"));
        secret.update(Map.of("password", "second-pass\n"));
        assertEquals(200, upload("b"));
        assertEquals(basic("relay", "second-pass"), destination.take().header("Authorization"));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
