package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writers to an https destination: trusted through tlsCaFile, or with tlsInsecureSkipVerify, refused otherwise. */
class TlsWriterTest {
    @TempDir
    Path work;

    @Test
    void httpsDestinations() throws Exception {
        Path keystore = work.resolve("server.p12");
        Path cert = work.resolve("ca.pem");
        String java = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(
                java,
                "-genkeypair",
                "-alias",
                "sink",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit");
        run(
                java,
                "-exportcert",
                "-rfc",
                "-alias",
                "sink",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-file",
                cert.toString());

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(ssl));
        List<byte[]> received = new CopyOnWriteArrayList<>();
        server.createContext("/", ex -> {
            received.add(ex.getRequestBody().readAllBytes());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        String url = "https://localhost:" + server.getAddress().getPort();
        try {
            int trusted = Relay.freePort();
            int insecure = Relay.freePort();
            int untrusted = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("TlsWriterTest/three-writers.yaml")
                            .with("trusted", trusted)
                            .with("url", url)
                            .with("cert", cert)
                            .with("insecure", insecure)
                            .with("untrusted", untrusted)
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                byte[] body = {1, 2, 3, 4};
                assertEquals(
                        200,
                        Client.post(trusted, "/ingest?name=tls.app", body, Map.of())
                                .status());
                assertEquals(
                        200,
                        Client.post(insecure, "/ingest?name=tls.app", body, Map.of())
                                .status());
                assertEquals(2, received.size());
                assertArrayEquals(body, received.get(0));
                Client.Response refused = Client.post(untrusted, "/ingest?name=tls.app", body, Map.of());
                assertEquals(502, refused.status(), refused.body());
                assertTrue(refused.body().contains("untrusted"), refused.body());
                assertEquals(2, received.size(), "an untrusted certificate must not receive the profile");
            }
        } finally {
            server.stop(0);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    }
}
