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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The pyroscope-relay Kamelets inside a user's Spring Boot application: a real upload reaches two sinks, the
 * application's own endpoint keeps working, and the relay's readiness shows in Spring Boot's health endpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringBootAppTest {
    record Received(String query, byte[] body) {}

    static final List<Received> STAGING = new CopyOnWriteArrayList<>();
    static final List<Received> PRODUCTION = new CopyOnWriteArrayList<>();
    static final HttpServer S1 = sink(STAGING);
    static final HttpServer S2 = sink(PRODUCTION);
    static final int RECEIVER = freePort();

    @LocalServerPort
    int appPort;

    static HttpServer sink(List<Received> got) {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            s.createContext("/", ex -> {
                got.add(new Received(ex.getRequestURI().getRawQuery(), ex.getRequestBody().readAllBytes()));
                ex.sendResponseHeaders(200, -1);
                ex.close();
            });
            s.start();
            return s;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @DynamicPropertySource
    static void relay(DynamicPropertyRegistry registry) {
        registry.add("receiver.port", () -> Integer.toString(RECEIVER));
        registry.add("staging.url", () -> "http://127.0.0.1:" + S1.getAddress().getPort());
        registry.add("production.url", () -> "http://127.0.0.1:" + S2.getAddress().getPort());
    }

    @AfterAll
    static void stopSinks() {
        S1.stop(0);
        S2.stop(0);
    }

    @Test
    void anUploadReachesBothSinksAndTheAppKeepsServing() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] profile = {1, 2, 3, 4, 5};
        HttpResponse<String> upload = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RECEIVER + "/ingest?name=boot.app"))
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(profile))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, upload.statusCode(), upload.body());
        for (List<Received> sink : List.of(STAGING, PRODUCTION)) {
            assertEquals(1, sink.size());
            assertArrayEquals(profile, sink.get(0).body());
            String name = URLDecoder.decode(sink.get(0).query(), StandardCharsets.UTF_8);
            assertTrue(name.contains("app=spring-boot"), name);
        }
        HttpResponse<String> hello = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/hello")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, hello.statusCode());
        assertEquals("hello from the host", hello.body());
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode(), health.body());
        assertTrue(health.body().contains("\"status\":\"UP\""), health.body());
        // the relay's receiver readiness, through Camel's health checks
        assertTrue(health.body().contains("pyroscope-receive-127.0.0.1:" + RECEIVER), health.body());
    }
}
