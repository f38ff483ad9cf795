package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/behaviour.md section 2 and the writer's retry rules: the client's answer after a fan-out to two writers,
 * and that a failing writer never harms what the other one receives.
 */
class FanOutStatusTest {
    @TempDir
    Path work;

    Sink a;
    Sink b;
    Relay relay;
    int port;

    private void start(String urlB, String extraB) throws Exception {
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("FanOutStatusTest/relay.yaml")
                        .with("port", port)
                        .with("a.url", a.url())
                        .with("urlB", urlB)
                        .with("extraB", params(extraB))
                        .yaml());
        relay = Relay.start(work);
    }

    /** Writer B's parameters: fast retries for tests, overridden by "key: value" lines. */
    private static String params(String overrides) {
        Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("remoteTimeout", "1s");
        p.put("minBackoffPeriod", "50ms");
        p.put("maxBackoffPeriod", "2s");
        for (String line : overrides.split("\n")) {
            if (!line.isBlank()) {
                p.put(
                        line.substring(0, line.indexOf(':')).trim(),
                        line.substring(line.indexOf(':') + 1).trim());
            }
        }
        StringBuilder sb = new StringBuilder();
        p.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return sb.toString();
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        a.close();
        if (b != null) {
            b.close();
        }
    }

    private Client.Response upload() throws Exception {
        return Client.post(port, "/ingest?name=fan.app&from=1&until=2", new byte[] {7, 7, 7}, Map.of());
    }

    private void assertACopy() throws Exception {
        assertArrayEquals(new byte[] {7, 7, 7}, a.take().body(), "the healthy writer got its copy");
    }

    @Test
    void allAccepted() throws Exception {
        a = Sink.start();
        b = Sink.start();
        start(b.url(), "");
        Client.Response r = upload();
        assertEquals(200, r.status());
        assertEquals("", r.body());
        assertACopy();
        assertEquals(1, b.all().size());
    }

    @Test
    void serverErrorsAreRetriedThenSucceed() throws Exception {
        a = Sink.start();
        b = Sink.start().answering(n -> Answer.status(n <= 2 ? 503 : 200));
        start(b.url(), "");
        assertEquals(200, upload().status());
        assertACopy();
        assertEquals(3, b.count(), "503, 503, 200: three attempts");
    }

    @Test
    void persistentServerErrorIsNeverA200() throws Exception {
        a = Sink.start();
        b = Sink.start().answering(503);
        start(b.url(), "maxBackoffRetries: 3");
        Client.Response r = upload();
        assertEquals(503, r.status(), r.body());
        assertTrue(
                r.body().contains("writer-b")
                        && r.body().contains("503")
                        && r.body().contains("3 attempts"),
                r.body());
        assertEquals(3, b.count());
        assertACopy();
    }

    @Test
    void fourHundredIsPassedOnAndNotRetried() throws Exception {
        a = Sink.start();
        b = Sink.start().answering(400);
        start(b.url(), "");
        Client.Response r = upload();
        assertEquals(400, r.status(), r.body());
        assertTrue(r.body().contains("writer-b"), r.body());
        assertEquals(1, b.count(), "a 400 is never retried");
        assertACopy();
    }

    @Test
    void tooManyRequestsWithoutRetry() throws Exception {
        a = Sink.start();
        b = Sink.start().answering(429);
        start(b.url(), "retryOnHttp429: false");
        assertEquals(429, upload().status());
        assertEquals(1, b.count());
        assertACopy();
    }

    @Test
    void tooManyRequestsRetriedHonouringRetryAfter() throws Exception {
        a = Sink.start();
        b = Sink.start().answering(n -> n == 1 ? new Answer(429, 0, Map.of("Retry-After", "1")) : Answer.status(200));
        start(b.url(), "");
        long t0 = System.nanoTime();
        assertEquals(200, upload().status());
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(2, b.count());
        assertTrue(elapsedMs >= 950, "Retry-After: 1 must delay the retry, took " + elapsedMs + " ms");
        assertACopy();
    }

    @Test
    void unreachableDestinationWinsOverFourHundred() throws Exception {
        a = Sink.start().answering(400);
        int closed = Relay.freePort();
        start("http://127.0.0.1:" + closed, "maxBackoffRetries: 2");
        Client.Response r = upload();
        assertEquals(502, r.status(), r.body());
        assertTrue(r.body().contains("writer-b") && r.body().contains("writer-a"), r.body());
        assertEquals(1, a.count());
    }

    @Test
    void hungDestinationTimesOutBeforeTheClientDeadline() throws Exception {
        a = Sink.start();
        b = Sink.start().answering(n -> new Answer(200, 10_000, Map.of()));
        start(b.url(), "remoteTimeout: 500ms");
        long t0 = System.nanoTime();
        Client.Response r = upload();
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(504, r.status(), r.body());
        assertTrue(elapsedMs < 3000, "answer must come before the 3 s client deadline, took " + elapsedMs + " ms");
        assertTrue(b.count() >= 2, "timeouts are retried, attempts: " + b.count());
        assertACopy();
    }
}
