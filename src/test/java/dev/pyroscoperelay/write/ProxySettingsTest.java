package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.ProxyOptions;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Which proxy a request takes: proxyUrl, noProxy and the environment as Go's http.ProxyFromEnvironment reads it. */
class ProxySettingsTest {
    private static ProxySettings settings(Map<String, String> env, Consumer<WriterParameters> set) {
        WriterParameters p = new WriterParameters();
        set.accept(p);
        return ProxySettings.of(p, env::get);
    }

    private static String proxyFor(ProxySettings s, boolean https, String host, int port) {
        ProxyOptions o = s.forTarget(https, host, port);
        return o == null ? null : o.getHost() + ":" + o.getPort();
    }

    @Test
    void theEnvironmentPicksByScheme() {
        ProxySettings s = settings(
                Map.of(
                        "HTTP_PROXY",
                        "plain:3128",
                        "https_proxy",
                        "http://secure:3129",
                        "NO_PROXY",
                        ".internal,10.1.0.0/16"),
                p -> p.proxyFromEnvironment = true);
        assertEquals("plain:3128", proxyFor(s, false, "pyroscope.example", 4040), "no scheme: http://");
        assertEquals("secure:3129", proxyFor(s, true, "pyroscope.example", 443), "lower case when upper is unset");
        assertNull(proxyFor(s, true, "a.internal", 443), ".domain suffix");
        assertNull(proxyFor(s, false, "10.1.2.3", 80), "CIDR");
        assertEquals("plain:3128", proxyFor(s, false, "10.2.0.1", 80));
        assertNull(proxyFor(s, false, "localhost", 4040), "Go never proxies localhost from the environment");
        assertNull(proxyFor(s, false, "127.0.0.1", 4040));
        assertNull(proxyFor(s, false, "::1", 4040));
    }

    @Test
    void upperCaseWinsAndNoProxyMatchesDomainsPortsAndStar() {
        ProxySettings s = settings(
                Map.of(
                        "HTTPS_PROXY",
                        "http://upper:1",
                        "https_proxy",
                        "http://lower:2",
                        "no_proxy",
                        "example.com, other.org:8443"),
                p -> p.proxyFromEnvironment = true);
        assertEquals("upper:1", proxyFor(s, true, "x.net", 443));
        assertNull(proxyFor(s, true, "example.com", 443));
        assertNull(proxyFor(s, true, "deep.api.example.com", 443), "a domain covers its subdomains");
        assertEquals("upper:1", proxyFor(s, true, "notexample.com", 443));
        assertNull(proxyFor(s, true, "other.org", 8443));
        assertEquals("upper:1", proxyFor(s, true, "other.org", 443), "a port in noProxy matches that port only");
        ProxySettings all = settings(Map.of(), p -> {
            p.proxyUrl = "http://proxy:3128";
            p.noProxy = "*";
        });
        assertNull(proxyFor(all, false, "anything", 80));
        assertNull(proxyFor(settings(Map.of(), p -> p.proxyFromEnvironment = true), false, "x", 80), "no variables");
    }

    @Test
    void anExplicitProxyIsUsedForLoopbackToo() {
        ProxySettings s = settings(Map.of("HTTP_PROXY", "http://env:1"), p -> p.proxyUrl = "http://proxy:3128");
        assertEquals("proxy:3128", proxyFor(s, false, "127.0.0.1", 4040));
        assertEquals("proxy:3128", proxyFor(s, false, "localhost", 4040));
    }

    @Test
    void credentialsComeFromTheUrlOrTheConnectHeader() {
        ProxyOptions fromUrl = settings(Map.of(), p -> p.proxyUrl = "http://us%40er:p%3Ass@proxy:3128")
                .forTarget(true, "h", 443);
        assertEquals("us@er", fromUrl.getUsername());
        assertEquals("p:ss", fromUrl.getPassword());
        ProxyOptions fromHeader = settings(Map.of(), p -> {
                    p.proxyUrl = "http://proxy:3128";
                    p.proxyConnectHeaders = "Proxy-Authorization: Basic dTpw";
                })
                .forTarget(true, "h", 443);
        assertEquals("u", fromHeader.getUsername());
        assertEquals("p", fromHeader.getPassword());
        assertTrue(!settings(Map.of(), p -> p.proxyUrl = "http://u:secret@proxy:1")
                .toString()
                .contains("secret"));
    }

    @Test
    void badProxySettingsAreRefused() {
        assertEquals(
                "'proxyUrl' needs a scheme: http://host:port",
                assertThrows(IllegalArgumentException.class, () -> settings(Map.of(), p -> p.proxyUrl = "proxy:3128"))
                        .getMessage());
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> settings(Map.of(), p -> p.proxyUrl = "https://proxy:3128"))
                .getMessage()
                .contains("over TLS is not supported"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> settings(Map.of(), p -> {
                            p.proxyUrl = "http://proxy:3128";
                            p.proxyFromEnvironment = true;
                        }))
                .getMessage()
                .contains("not both"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> settings(Map.of(), p -> {
                            p.proxyUrl = "http://proxy:3128";
                            p.proxyConnectHeaders = "X-Trace: 1";
                        }))
                .getMessage()
                .contains("only 'Proxy-Authorization: Basic"));
        assertTrue(assertThrows(
                        IllegalArgumentException.class,
                        () -> settings(Map.of(), p -> {
                            p.proxyUrl = "http://proxy:3128";
                            p.noProxy = "10.0.0.0/40";
                        }))
                .getMessage()
                .contains("is not a CIDR"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> settings(Map.of(), p -> p.noProxy = "x"))
                .getMessage()
                .contains("need proxyUrl or proxyFromEnvironment"));
    }
}
