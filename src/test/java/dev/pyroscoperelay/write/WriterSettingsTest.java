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
                        "set only one way to authenticate, not basicAuthUsername/basicAuthPassword and bearerToken"),
                new Bad(
                        "bearer and token file",
                        p -> {
                            p.bearerToken = "t";
                            p.bearerTokenFile = "/run/token";
                        },
                        "set only one way to authenticate, not bearerToken and bearerTokenFile"),
                new Bad(
                        "bearer and oauth2",
                        p -> {
                            p.bearerToken = "t";
                            p.oauth2ClientId = "id";
                        },
                        "set only one way to authenticate, not bearerToken and oauth2*"),
                new Bad(
                        "authorization and basic",
                        p -> {
                            p.authorizationCredentials = "secret";
                            p.basicAuthUsername = "u";
                        },
                        "set only one way to authenticate, not basicAuthUsername/basicAuthPassword and "
                                + "authorizationCredentials"),
                new Bad(
                        "authorization credentials twice",
                        p -> {
                            p.authorizationCredentials = "secret";
                            p.authorizationCredentialsFile = "/run/creds";
                        },
                        "set authorizationCredentials or authorizationCredentialsFile, not both"),
                new Bad(
                        "authorization type basic",
                        p -> {
                            p.authorizationType = "basic";
                            p.authorizationCredentials = "secret";
                        },
                        "authorizationType cannot be Basic"),
                new Bad(
                        "password without user",
                        p -> p.basicAuthPassword = "secret",
                        "basicAuthPassword needs basicAuthUsername"),
                new Bad(
                        "password file without user",
                        p -> p.basicAuthPasswordFile = "/run/password",
                        "basicAuthPasswordFile needs basicAuthUsername"),
                new Bad(
                        "password and password file",
                        p -> {
                            p.basicAuthUsername = "u";
                            p.basicAuthPassword = "secret";
                            p.basicAuthPasswordFile = "/run/password";
                        },
                        "set basicAuthPassword or basicAuthPasswordFile, not both"),
                new Bad(
                        "password file and bearer",
                        p -> {
                            p.basicAuthUsername = "u";
                            p.basicAuthPasswordFile = "/run/password";
                            p.bearerToken = "t";
                        },
                        "set only one way to authenticate, not basicAuthUsername/basicAuthPasswordFile and bearerToken"),
                new Bad(
                        "unreadable password file",
                        p -> {
                            p.basicAuthUsername = "u";
                            p.basicAuthPasswordFile = "/nonexistent/password";
                        },
                        "cannot read basicAuthPasswordFile /nonexistent/password"),
                new Bad(
                        "unreadable token file",
                        p -> p.bearerTokenFile = "/nonexistent/token",
                        "cannot read bearerTokenFile /nonexistent/token"),
                new Bad(
                        "unreadable credentials file",
                        p -> p.authorizationCredentialsFile = "/nonexistent/creds",
                        "cannot read authorizationCredentialsFile /nonexistent/creds"),
                new Bad(
                        "oauth2 without token url",
                        p -> {
                            p.oauth2ClientId = "id";
                            p.oauth2ClientSecret = "secret";
                        },
                        "oauth2TokenUrl is required with oauth2"),
                new Bad(
                        "oauth2 without client id",
                        p -> p.oauth2TokenUrl = "https://auth/token",
                        "oauth2ClientId is required with oauth2"),
                new Bad(
                        "oauth2 two secrets",
                        p -> {
                            p.oauth2ClientId = "id";
                            p.oauth2TokenUrl = "https://auth/token";
                            p.oauth2ClientSecret = "secret";
                            p.oauth2ClientSecretFile = "/run/secret";
                        },
                        "set one of oauth2ClientSecret and oauth2ClientSecretFile"),
                new Bad(
                        "oauth2 token url without scheme",
                        p -> {
                            p.oauth2ClientId = "id";
                            p.oauth2TokenUrl = "auth.example.com/token";
                            p.oauth2ClientSecret = "secret";
                        },
                        "'oauth2TokenUrl' must be an http:// or https:// URL with a host"),
                new Bad(
                        "oauth2 unreadable secret file",
                        p -> {
                            p.oauth2ClientId = "id";
                            p.oauth2TokenUrl = "https://auth/token";
                            p.oauth2ClientSecretFile = "/nonexistent/client-key";
                        },
                        "cannot read oauth2ClientSecretFile /nonexistent/client-key"),
                new Bad(
                        "oauth2 endpoint param without =",
                        p -> {
                            p.oauth2ClientId = "id";
                            p.oauth2TokenUrl = "https://auth/token";
                            p.oauth2ClientSecret = "x";
                            p.oauth2EndpointParams = "audience";
                        },
                        "'oauth2EndpointParams' has an entry that is not name=value"),
                new Bad(
                        "key without certificate",
                        p -> p.tlsKeyFile = "/run/client.key",
                        "set both tlsCertFile and tlsKeyFile, or neither"),
                new Bad(
                        "unreadable client certificate",
                        p -> {
                            p.tlsCertFile = "/nonexistent/client.crt";
                            p.tlsKeyFile = "/nonexistent/client.key";
                        },
                        "cannot read tlsCertFile /nonexistent/client.crt"),
                new Bad("unreadable CA", p -> p.tlsCaFile = "/nonexistent/ca.pem", "cannot read tlsCaFile"),
                new Bad("tls version", p -> p.tlsMinVersion = "TLS1.2", "tlsMinVersion must be one of"),
                new Bad("proxy without scheme", p -> p.proxyUrl = "proxy:3128", "'proxyUrl' needs a scheme"),
                new Bad(
                        "proxy url and environment",
                        p -> {
                            p.proxyUrl = "http://proxy:3128";
                            p.proxyFromEnvironment = true;
                        },
                        "set proxyUrl or proxyFromEnvironment, not both"),
                new Bad(
                        "debug-info timeout",
                        p -> p.debugInfoUploadTimeout = "0s",
                        "debugInfoUploadTimeout must be positive"),
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
        assertEquals(AuthSettings.NONE, s.auth());
        assertNull(s.tenantId());
        assertEquals(ProxySettings.NONE, s.proxy());
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
        assertEquals("Basic cmVsYXktdXNlcjpyZWxheS1zM2NyZXQ=", basic.auth().fixed());
        assertEquals(List.of("X-A", "X-B"), List.copyOf(basic.headers().keySet()));
        assertEquals("two words", basic.headers().get("X-B"));
        assertEquals("team-a", basic.tenantId());
        assertFalse(basic.toString().contains("cmVsYXk"), "toString must not show credentials: " + basic);
        assertEquals("Bearer tok", settings(p -> p.bearerToken = " tok ").auth().fixed());
        assertEquals(
                "Token abc",
                settings(p -> {
                            p.authorizationType = "Token";
                            p.authorizationCredentials = "abc";
                        })
                        .auth()
                        .fixed());
        assertEquals(
                "Bearer abc",
                settings(p -> p.authorizationCredentials = "abc").auth().fixed());
        AuthSettings.OAuth2 oauth2 = settings(p -> {
                    p.oauth2ClientId = "id";
                    p.oauth2ClientSecret = "s3cret";
                    p.oauth2TokenUrl = "https://auth.example/token";
                    p.oauth2Scopes = "a, b";
                    p.oauth2EndpointParams = "audience=pyroscope; resource=x";
                })
                .auth()
                .oauth2();
        assertEquals(List.of("a", "b"), oauth2.scopes());
        assertEquals(Map.of("audience", "pyroscope", "resource", "x"), oauth2.endpointParams());
        assertFalse(oauth2.toString().contains("s3cret"), oauth2.toString());
    }
}
