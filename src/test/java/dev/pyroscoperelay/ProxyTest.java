package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.ForwardProxy;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.TestCertificates;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writers behind a forward proxy on loopback: absolute-form for http://, CONNECT for https://, noProxy, proxy auth. */
class ProxyTest {
    @TempDir
    Path work;

    private Relay relay;
    private Sink sink;
    private ForwardProxy proxy;
    private HttpsServer https;

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (https != null) {
            https.stop(0);
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
        relay = Relay.start(work);
        return ports;
    }

    private static int upload(int port, String app) throws Exception {
        return Client.post(port, "/ingest?name=" + app, new byte[] {1}, Map.of())
                .status();
    }

    @Test
    void httpDestinationsGoThroughTheProxyEvenOnLoopbackUnlessNoProxyNamesThem() throws Exception {
        sink = Sink.start();
        proxy = ForwardProxy.start();
        int p = sink.port();
        int[] ports = start(
                "url: \"http://127.0.0.1:%d\", proxyUrl: \"%s\"".formatted(p, proxy.url()),
                "url: \"http://pyroscope.test:%d\", proxyUrl: \"%s\"".formatted(p, proxy.url()),
                "url: \"http://127.0.0.1:%d\", proxyUrl: \"%s\", noProxy: \"10.0.0.0/8, 127.0.0.0/8\""
                        .formatted(p, proxy.url()),
                "url: \"http://localhost:%d\", proxyUrl: \"%s\", noProxy: \"example.com,localhost\""
                        .formatted(p, proxy.url()),
                "url: \"http://127.0.0.1:%d\", proxyUrl: \"%s\", noProxy: \".example.com,192.168.0.1\""
                        .formatted(p, proxy.url()));
        assertEquals(200, upload(ports[0], "loopback"));
        assertEquals(1, proxy.requests.size());
        assertTrue(
                proxy.requests.get(0).startsWith("POST http://127.0.0.1:" + p + "/ingest?name=loopback"),
                proxy.requests.toString());
        assertEquals(200, upload(ports[1], "byname"), "a name only the proxy knows: the relay never resolves it");
        assertTrue(
                proxy.requests.get(1).startsWith("POST http://pyroscope.test:" + p + "/ingest?name=byname"),
                proxy.requests.toString());
        assertEquals(200, upload(ports[2], "cidr"));
        assertEquals(200, upload(ports[3], "host"));
        assertEquals(2, proxy.requests.size(), "noProxy by CIDR and by host: direct");
        assertEquals(200, upload(ports[4], "other"));
        assertEquals(3, proxy.requests.size(), "noProxy entries that do not match: through the proxy");
        assertEquals(5, sink.count());
    }

    @Test
    void httpsDestinationsGoThroughConnectWithTheProxysCredentials() throws Exception {
        TestCertificates.Pair dest = TestCertificates.create(work, "dest", "localhost");
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(dest.keyManagers().getKeyManagers(), null, null);
        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        https.setHttpsConfigurator(new HttpsConfigurator(ssl));
        List<String> got = new CopyOnWriteArrayList<>();
        https.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            got.add(ex.getRequestURI().getRawPath());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        https.start();
        String basic = "Basic " + Base64.getEncoder().encodeToString("relay:pr0xy".getBytes(StandardCharsets.UTF_8));
        proxy = ForwardProxy.requiring(basic);
        String url = "https://localhost:" + https.getAddress().getPort();
        int[] ports = start(
                "url: \"%s\", tlsCaFile: \"%s\", proxyUrl: \"%s\", proxyConnectHeaders: \"Proxy-Authorization: %s\""
                        .formatted(url, dest.certPem(), proxy.url(), basic),
                "url: \"%s\", tlsCaFile: \"%s\", proxyUrl: \"%s\""
                        .formatted(url, dest.certPem(), proxy.url().replace("://", "://relay:pr0xy@")),
                "url: \"%s\", tlsCaFile: \"%s\", proxyUrl: \"%s\"".formatted(url, dest.certPem(), proxy.url()));
        assertEquals(200, upload(ports[0], "a"));
        assertEquals("CONNECT localhost:" + https.getAddress().getPort(), proxy.requests.get(0));
        assertEquals(200, upload(ports[1], "b"), "credentials in proxyUrl");
        Client.Response refused = Client.post(ports[2], "/ingest?name=c", new byte[] {1}, Map.of());
        assertEquals(502, refused.status(), "the proxy refused a CONNECT without credentials: " + refused.body());
        assertTrue(!refused.body().contains("pr0xy"), refused.body());
        assertEquals(List.of("/ingest", "/ingest"), got);
    }
}
