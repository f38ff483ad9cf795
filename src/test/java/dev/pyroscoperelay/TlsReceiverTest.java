package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.TestCertificates;
import dev.pyroscoperelay.support.TestCertificates.Pair;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Receivers that serve HTTPS (tlsCertFile/tlsKeyFile), require client certificates (mTLS), and renew certificates. */
class TlsReceiverTest {
    @TempDir
    Path work;

    private static String route(int port, String sinkUrl, String tls) {
        return RouteFile.of("TlsReceiverTest/relay.yaml")
                .with("port", port)
                .with("tls", tls)
                .with("sinkUrl", sinkUrl)
                .yaml();
    }

    private static HttpResponse<String> upload(int port, SSLContext ssl, byte[] body) throws Exception {
        return upload(port, ssl, body, HttpClient.Version.HTTP_1_1);
    }

    private static HttpResponse<String> upload(int port, SSLContext ssl, byte[] body, HttpClient.Version version)
            throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(version)
                .sslContext(ssl)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        return client.send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/ingest?name=tls.app"))
                        .timeout(Duration.ofSeconds(20))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The subject of the certificate a new connection is shown, or "" when the handshake failed: Vert.x 4.5 fails the
     * set-up of a connection that arrives in the instant the renewed certificate is swapped in.
     */
    private static String servedOrNull(int port) throws Exception {
        try {
            return served(port).getSubjectX500Principal().getName();
        } catch (javax.net.ssl.SSLHandshakeException e) {
            return "";
        }
    }

    /** The certificate a new connection is shown, trusting anything (to see which one it is). */
    private static X509Certificate served(int port) throws Exception {
        SSLContext any = SSLContext.getInstance("TLS");
        any.init(
                null,
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        try (SSLSocket s = (SSLSocket) any.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    @Test
    void httpsUploadIsForwardedAndARenewedCertificateIsServedWithoutRestart() throws Exception {
        Pair first = TestCertificates.create(work, "first", "relay-first");
        Path cert = Files.copy(first.certPem(), work.resolve("server.crt"));
        Path key = Files.copy(first.keyPem(), work.resolve("server.key"));
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route(port, sink.url(), """
                    tlsCertFile: %s
                    tlsKeyFile: %s""".formatted(cert, key)));
            try (Relay relay = Relay.start(work)) {
                byte[] body = new byte[100_000];
                new java.util.Random(7).nextBytes(body);
                HttpResponse<String> r = upload(port, TestCertificates.context(first, null), body);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(HttpClient.Version.HTTP_1_1, r.version());
                assertArrayEquals(body, sink.take().body());
                HttpResponse<String> h2 =
                        upload(port, TestCertificates.context(first, null), body, HttpClient.Version.HTTP_2);
                assertEquals(200, h2.statusCode(), h2.body());
                assertEquals(HttpClient.Version.HTTP_2, h2.version(), "h2 chosen by ALPN");
                assertArrayEquals(body, sink.take().body());
                assertThrows(
                        IOException.class,
                        () -> upload(
                                port,
                                TestCertificates.context(TestCertificates.create(work, "other", "someone-else"), null),
                                body),
                        "a client that does not trust the certificate is refused");

                Pair second = TestCertificates.create(work, "second", "relay-second");
                Files.copy(second.keyPem(), key, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(second.certPem(), cert, StandardCopyOption.REPLACE_EXISTING);
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!servedOrNull(port).equals("CN=relay-second")) {
                    assertTrue(System.nanoTime() < end, "the renewed certificate was not served within 20 s");
                    Thread.sleep(200);
                }
                assertEquals(
                        200,
                        upload(port, TestCertificates.context(second, null), body)
                                .statusCode());
                HttpResponse<String> renewedH2 =
                        upload(port, TestCertificates.context(second, null), body, HttpClient.Version.HTTP_2);
                assertEquals(HttpClient.Version.HTTP_2, renewedH2.version(), "still h2 after the renewal");
                assertEquals(4, sink.count());
            }
        }
    }

    @Test
    void mutualTlsRequiresATrustedClientCertificate() throws Exception {
        Pair server = TestCertificates.create(work, "server", "relay");
        Pair client = TestCertificates.create(work, "client", "sdk");
        Pair stranger = TestCertificates.create(work, "stranger", "stranger");
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route(port, sink.url(), """
                    tlsCertFile: %s
                    tlsKeyFile: %s
                    tlsClientCaFile: %s
                    tlsClientAuth: require""".formatted(
                            server.certPem(), server.keyPem(), client.certPem())));
            try (Relay relay = Relay.start(work)) {
                byte[] body = {1, 2, 3};
                assertThrows(
                        IOException.class,
                        () -> upload(port, TestCertificates.context(server, null), body),
                        "no client certificate");
                assertThrows(
                        IOException.class,
                        () -> upload(port, TestCertificates.context(server, stranger), body),
                        "an untrusted client certificate");
                assertEquals(0, sink.count());
                HttpResponse<String> r = upload(port, TestCertificates.context(server, client), body);
                assertEquals(200, r.statusCode(), r.body());
                assertArrayEquals(body, sink.take().body());
            }
        }
    }

    @Test
    void inconsistentTlsParametersAreRefusedWithAReason() throws Exception {
        int port = Relay.freePort();
        Relay.writeRoute(
                work, "relay.yaml", route(port, "http://127.0.0.1:1", """
                tlsCertFile: %s""".formatted(work.resolve("missing.crt"))));
        Exception e = assertThrows(Exception.class, () -> Relay.start(work).close());
        String messages = "";
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages += t.getMessage() + "\n";
        }
        assertTrue(messages.contains("set both tlsCertFile and tlsKeyFile, or neither"), messages);
    }

    /** A client context that trusts {@code server} and offers only {@code protocol} and, if set, {@code suite}. */
    private static SSLContext limited(TestCertificates.Pair server) throws Exception {
        return TestCertificates.context(server, null);
    }

    private static int handshake(int port, SSLContext ssl, String protocol, String suite) throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .sslContext(ssl)
                .sslParameters(new javax.net.ssl.SSLParameters(
                        suite == null ? ssl.getDefaultSSLParameters().getCipherSuites() : new String[] {suite},
                        new String[] {protocol}))
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        try {
            return client.send(
                            HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/ingest?name=tls.app"))
                                    .timeout(Duration.ofSeconds(20))
                                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (java.io.IOException e) {
            return -1; // the handshake failed
        }
    }

    @Test
    void tlsMinVersionAndCipherSuitesLimitWhatClientsMayUse() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(work, "server", "localhost");
        try (Sink sink = Sink.start()) {
            int modern = Relay.freePort();
            int suites = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    route(modern, sink.url(), """
                    tlsCertFile: %s
                    tlsKeyFile: %s
                    tlsMinVersion: TLS13""".formatted(server.certPem(), server.keyPem()))
                            + route(suites, sink.url(), """
                    tlsCertFile: %s
                    tlsKeyFile: %s
                    tlsCipherSuites: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256""".formatted(server.certPem(), server.keyPem()))
                                    .replace("id: receive", "id: receive2"));
            try (Relay relay = Relay.start(work)) {
                SSLContext ssl = limited(server);
                assertEquals(200, handshake(modern, ssl, "TLSv1.3", null));
                assertEquals(-1, handshake(modern, ssl, "TLSv1.2", null), "TLS 1.2 refused with TLS13");
                assertEquals(200, handshake(suites, ssl, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"));
                assertEquals(
                        -1,
                        handshake(suites, ssl, "TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
                        "a suite not in tlsCipherSuites");
            }
        }
    }

    @Test
    void anUnknownCipherSuiteOrVersionStopsTheStart() throws Exception {
        TestCertificates.Pair server = TestCertificates.create(work, "server", "localhost");
        int port = Relay.freePort();
        for (String[] bad : new String[][] {
            {"tlsCipherSuites: TLS_NOT_A_SUITE", "this JVM does not support the cipher suite TLS_NOT_A_SUITE"},
            {"tlsMinVersion: SSL3", "tlsMinVersion must be one of TLS10, TLS11, TLS12, TLS13, got 'SSL3'"}
        }) {
            Relay.writeRoute(work, "relay.yaml", route(port, "http://127.0.0.1:1", """
                    tlsCertFile: %s
                    tlsKeyFile: %s
                    %s""".formatted(
                            server.certPem(), server.keyPem(), bad[0])));
            Exception e = assertThrows(Exception.class, () -> Relay.start(work).close());
            String messages = "";
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages += t.getMessage() + "\n";
            }
            assertTrue(messages.contains(bad[1]), messages);
        }
    }
}
