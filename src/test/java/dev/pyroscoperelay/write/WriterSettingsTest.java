package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Writer parameters, checked once: good ones and bad ones (in the style of Alloy's TestBadAlloyConfig). */
class WriterSettingsTest {

    private static WriterSettings settings(Consumer<WriterParameters> set) {
        WriterParameters p = new WriterParameters();
        p.url = "http://pyroscope:4040";
        set.accept(p);
        return WriterSettings.of(p, "w");
    }

    record Bad(String what, Consumer<WriterParameters> set, String message) {
        @Override
        public String toString() {
            return what;
        }
    }

    static List<Bad> badConfigs() {
        return List.of(
                new Bad("no url", p -> p.url = " ", "parameter 'url' is required"),
                new Bad("not a url", p -> p.url = "http://exa mple", "'url' is not a URL"),
                new Bad(
                        "other scheme",
                        p -> p.url = "ftp://host",
                        "'url' must be an http:// or https:// URL with a host, got 'ftp://host'"),
                new Bad(
                        "no host",
                        p -> p.url = "http:///ingest",
                        "'url' must be an http:// or https:// URL with a host"),
                new Bad(
                        "credentials in url",
                        p -> p.url = "http://user:secret@host:4040",
                        "put credentials in basicAuthUsername/basicAuthPassword, not in 'url'"),
                new Bad("query in url", p -> p.url = "http://host/?a=b", "'url' must not have a query or fragment"),
                new Bad(
                        "basic and bearer",
                        p -> {
                            p.basicAuthUsername = "u";
                            p.bearerToken = "t";
                        },
                        "set only one of basicAuthUsername, bearerToken, bearerTokenFile"),
                new Bad(
                        "bearer and token file",
                        p -> {
                            p.bearerToken = "t";
                            p.bearerTokenFile = "/run/token";
                        },
                        "set only one of"),
                new Bad("zero timeout", p -> p.remoteTimeout = "0s", "remoteTimeout must be positive"),
                new Bad("bad duration", p -> p.remoteTimeout = "soon", "remoteTimeout: 'soon' is not a duration"),
                new Bad("negative backoff", p -> p.minBackoffPeriod = "-1s", "minBackoffPeriod: '-1s' is negative"),
                new Bad(
                        "negative attempts",
                        p -> p.maxBackoffRetries = -1,
                        "maxBackoffRetries must be 0 (no limit) or more"),
                new Bad("no connections", p -> p.maxConnections = 0, "maxConnections must be at least 1"),
                new Bad(
                        "header without colon",
                        p -> p.headers = "X-Token secret",
                        "'headers' has an entry that is not 'Name: value'"),
                new Bad("reserved header", p -> p.headers = "Host: evil", "'headers' cannot set Host"),
                new Bad(
                        "proxy not http",
                        p -> p.proxyUrl = "socks5://proxy:1080",
                        "'proxyUrl' must be an http:// URL with a host"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void badConfigIsRefusedWithAMessageThatNamesTheWriterAndParameter(Bad bad) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings(bad.set()));
        assertTrue(e.getMessage().startsWith("pyroscope-write \"w\": " + bad.message()), e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "no secret in " + e.getMessage());
    }

    @Test
    void defaults() {
        WriterSettings s = settings(p -> {});
        assertEquals("pyroscope", s.host());
        assertEquals(4040, s.port());
        assertFalse(s.ssl());
        assertEquals("", s.basePath());
        assertEquals(10_000, s.remoteTimeoutMillis());
        assertEquals(new RetryPolicy(10, true, 500, 300_000), s.retryPolicy());
        assertEquals(64, s.maxConnections());
        assertNull(s.authorization());
        assertNull(s.tenantId());
        assertNull(s.proxy());
        assertEquals(Map.of(), s.headers());
    }

    @Test
    void urlPathIsAPrefixAndPortsDefaultByScheme() {
        WriterSettings s = settings(p -> p.url = "https://grafana.example/pyroscope//");
        assertEquals("/pyroscope", s.basePath());
        assertEquals(443, s.port());
        assertTrue(s.ssl());
        assertEquals("https://grafana.example/pyroscope", s.safeUrl());
        assertEquals(80, settings(p -> p.url = "http://h").port());
    }

    @Test
    void authAndHeaders() {
        WriterSettings basic = settings(p -> {
            p.basicAuthUsername = "relay-user";
            p.basicAuthPassword = "relay-s3cret";
            p.headers = "X-A: 1; X-B: two words ;";
            p.tenantId = " team-a ";
        });
        assertEquals("Basic cmVsYXktdXNlcjpyZWxheS1zM2NyZXQ=", basic.authorization());
        assertEquals(List.of("X-A", "X-B"), List.copyOf(basic.headers().keySet()));
        assertEquals("two words", basic.headers().get("X-B"));
        assertEquals("team-a", basic.tenantId());
        assertFalse(basic.toString().contains("cmVsYXk"), "toString must not show credentials: " + basic);
        assertEquals("Bearer tok", settings(p -> p.bearerToken = " tok ").authorization());
        WriterSettings file = settings(p -> p.bearerTokenFile = "/run/token");
        assertNull(file.authorization());
        assertEquals("/run/token", file.bearerTokenFile());
    }
}
