package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.TestCertificates;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alloy's {@code tls_config} on a writer against real HTTPS destinations on loopback: a client certificate for a
 * destination that requires one (PKCS#8 and PKCS#1 keys, renewed files used without a restart), the name sent and
 * checked when the URL has an IP address, and the oldest TLS version allowed.
 */
class TlsClientTest {
    @TempDir
    Path work;

    private HttpsServer server;
    private final List<String> hosts = new CopyOnWriteArrayList<>();
    private Relay relay;

    /** An HTTPS destination with {@code cert}; requiring a client certificate trusted by {@code clients} if set. */
    private String serve(TestCertificates.Pair cert, TestCertificates.Pair clients, String protocol) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        if (clients != null) {
            trust.setCertificateEntry("client", clients.certificate());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(cert.keyManagers().getKeyManagers(), tmf.getTrustManagers(), null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ssl.getDefaultSSLParameters();
                p.setNeedClientAuth(clients != null);
                if (protocol != null) {
                    p.setProtocols(new String[] {protocol});
                }
                params.setSSLParameters(p);
            }
        });
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            hosts.add(ex.getRequestHeaders().getFirst("Host"));
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        return "https://127.0.0.1:" + server.getAddress().getPort();
    }

    /** One receiver per writer parameter set; returns their ports. */
    private int[] start(String url, String... writers) throws Exception {
        int[] ports = new int[writers.length];
        String[] parameters = new String[writers.length];
        for (int i = 0; i < writers.length; i++) {
            ports[i] = Relay.freePort();
            parameters[i] = "url: \"" + url + "\", maxBackoffRetries: 1, " + writers[i];
        }
        Relay.writeRoute(work, "relay.yaml", RouteYaml.receiverPerWriter(ports, parameters));
        relay = Relay.start(work);
        return ports;
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private static Client.Response upload(int port) throws Exception {
        return Client.post(port, "/ingest?name=tls.app", new byte[] {1}, Map.of());
    }

    @Test
    void aDestinationThatRequiresAClientCertificateGetsOneAndRefusesAWriterWithout() throws Exception {
        TestCertificates.Pair dest = TestCertificates.create(work, "dest", "localhost");
        TestCertificates.Pair client = TestCertificates.create(work, "client", "relay");
        Path pkcs1 = TestCertificates.pkcs1Key(client, work.resolve("client-pkcs1.key"));
        assertTrue(Files.readString(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        String url = serve(dest, client, null);
        int[] ports = start(
                url,
                "tlsCaFile: \"%s\", tlsCertFile: \"%s\", tlsKeyFile: \"%s\""
                        .formatted(dest.certPem(), client.certPem(), client.keyPem()),
                "tlsCaFile: \"%s\", tlsCertFile: \"%s\", tlsKeyFile: \"%s\""
                        .formatted(dest.certPem(), client.certPem(), pkcs1),
                "tlsCaFile: \"%s\"".formatted(dest.certPem()));
        assertEquals(200, upload(ports[0]).status(), "PKCS#8 key");
        assertEquals(200, upload(ports[1]).status(), "PKCS#1 key");
        Client.Response without = upload(ports[2]);
        assertEquals(502, without.status(), without.body());
        assertEquals(2, hosts.size());
    }

    @Test
    void aRenewedClientCertificateIsUsedWithoutARestart() throws Exception {
        TestCertificates.Pair dest = TestCertificates.create(work, "dest", "localhost");
        TestCertificates.Pair old = TestCertificates.create(work, "old", "relay");
        TestCertificates.Pair renewed = TestCertificates.create(work, "renewed", "relay");
        // the destination trusts only the renewed certificate
        String url = serve(dest, renewed, null);
        Path cert = Files.copy(old.certPem(), work.resolve("client.crt"));
        Path key = Files.copy(old.keyPem(), work.resolve("client.key"));
        int[] ports = start(
                url, "tlsCaFile: \"%s\", tlsCertFile: \"%s\", tlsKeyFile: \"%s\"".formatted(dest.certPem(), cert, key));
        assertEquals(502, upload(ports[0]).status(), "the old certificate is refused");
        // renewed as cert-manager does: new files renamed over the old ones
        Files.copy(renewed.keyPem(), work.resolve("client.key.new"));
        Files.copy(renewed.certPem(), work.resolve("client.crt.new"));
        Files.move(
                work.resolve("client.key.new"),
                key,
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Files.move(
                work.resolve("client.crt.new"),
                cert,
                StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        Await.until("the renewed client certificate in use", Duration.ofSeconds(20), () -> {
            try {
                return upload(ports[0]).status() == 200;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void tlsServerNameIsSentAndCheckedForAUrlWithAnIpAddress() throws Exception {
        TestCertificates.Pair dest =
                TestCertificates.create(work, "dest", "pyroscope.internal", "dns:pyroscope.internal");
        String url = serve(dest, null, null);
        int[] ports = start(
                url,
                "tlsCaFile: \"%s\"".formatted(dest.certPem()),
                "tlsCaFile: \"%s\", tlsServerName: pyroscope.internal".formatted(dest.certPem()),
                "tlsCaFile: \"%s\", tlsServerName: other.internal".formatted(dest.certPem()));
        Client.Response byIp = upload(ports[0]);
        assertEquals(502, byIp.status(), "the certificate is not valid for 127.0.0.1: " + byIp.body());
        assertEquals(200, upload(ports[1]).status());
        assertEquals(List.of("127.0.0.1:" + server.getAddress().getPort()), hosts, "the Host header stays the URL's");
        assertEquals(502, upload(ports[2]).status(), "a name the certificate does not have");
    }

    @Test
    void tlsMinVersionRefusesAnOlderDestination() throws Exception {
        TestCertificates.Pair dest = TestCertificates.create(work, "dest", "localhost");
        String url = serve(dest, null, "TLSv1.2");
        int[] ports = start(
                url,
                "tlsCaFile: \"%s\"".formatted(dest.certPem()),
                "tlsCaFile: \"%s\", tlsMinVersion: TLS13".formatted(dest.certPem()));
        assertEquals(200, upload(ports[0]).status(), "TLS 1.2 by default");
        assertEquals(502, upload(ports[1]).status(), "TLS13 refuses a TLS 1.2 destination");
    }
}
