package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;

/**
 * A user's Camel Main application with the pyroscope-relay library on its classpath: its own platform-http route keeps
 * working on its own port, and a receiver with two writers relays a real upload to both destinations.
 */
class EmbeddedAppTest {
    record Received(String query, byte[] body) {}

    static HttpServer sink(List<Received> got) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        s.createContext("/", ex -> {
            got.add(new Received(ex.getRequestURI().getRawQuery(), ex.getRequestBody().readAllBytes()));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        s.start();
        return s;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void hostRoutesAndTheRelayRunSideBySide() throws Exception {
        List<Received> staging = new CopyOnWriteArrayList<>();
        List<Received> production = new CopyOnWriteArrayList<>();
        HttpServer s1 = sink(staging);
        HttpServer s2 = sink(production);
        int receiver = freePort();
        int host = freePort();
        Main main = new Main();
        main.configure().withRoutesIncludePattern("classpath:routes/app.yaml");
        main.addOverrideProperty("receiver.port", Integer.toString(receiver));
        main.addOverrideProperty("staging.url", "http://127.0.0.1:" + s1.getAddress().getPort());
        main.addOverrideProperty("production.url", "http://127.0.0.1:" + s2.getAddress().getPort());
        main.addOverrideProperty("camel.server.port", Integer.toString(host));
        main.start();
        try {
            // the Camel line of this build (the user's BOM), not one the library brought along
            assertEquals(System.getProperty("expected.camel.version"), main.getCamelContext().getVersion());
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            byte[] profile = new byte[20_000];
            new java.util.Random(1).nextBytes(profile);
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver + "/ingest?name=my.app%7Benv%3Ddev%7D&from=1&until=2"))
                            .timeout(Duration.ofSeconds(20))
                            .header("Content-Type", "application/octet-stream")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(profile))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            for (List<Received> got : List.of(staging, production)) {
                assertEquals(1, got.size());
                assertArrayEquals(profile, got.get(0).body());
                String name = URLDecoder.decode(got.get(0).query(), StandardCharsets.UTF_8);
                assertTrue(name.contains("name=my.app{app=embedded,env=dev,service_name=my.app}"), name);
                assertTrue(name.endsWith("&from=1&until=2"), name);
            }
            HttpResponse<String> hello = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host + "/hello")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, hello.statusCode());
            assertEquals("hello from the host", hello.body());
            // the host's platform-http port does not serve the relay's API, and the receiver's does not serve /hello
            HttpResponse<String> notHere = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver + "/hello")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, notHere.statusCode());
        } finally {
            main.stop();
            s1.stop(0);
            s2.stop(0);
        }
    }
}
