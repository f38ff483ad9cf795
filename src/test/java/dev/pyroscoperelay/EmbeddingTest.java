package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * User story 5: an existing Camel Main application (not RelayMain, none of the relay's settings) uses
 * kamelet:pyroscope-receive and kamelet:pyroscope-write from the classpath in its own YAML routes.
 */
class EmbeddingTest extends CamelMainTestSupport {
    static Sink sink;
    static int port;

    @BeforeAll
    static void startSink() throws Exception {
        sink = Sink.start();
        port = Relay.freePort();
    }

    @AfterAll
    static void stopSink() {
        sink.close();
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        Properties p = new Properties();
        p.setProperty("relay.port", String.valueOf(port));
        p.setProperty("sink.url", sink.url());
        return p;
    }

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        configuration.withRoutesIncludePattern("classpath:embedding/*.yaml");
    }

    @Test
    void kameletsWorkInsideAnotherCamelApplication() throws Exception {
        assertEquals("world", template.requestBody("direct:hello", "", String.class));
        Client.Response r = Client.post(
                port,
                "/ingest?name=shop%7Benv%3Dprod%7D&from=1&until=2",
                new byte[] {4, 2},
                Map.of("Content-Type", "application/octet-stream"));
        assertEquals(200, r.status(), r.body());
        Received got = sink.take();
        assertArrayEquals(new byte[] {4, 2}, got.body());
        assertEquals("payments", got.header("X-Scope-OrgID"));
        assertEquals(
                Map.of("env", "prod", "team", "payments", "service_name", "shop"),
                Fixtures.forwardedName(got.rawQuery()).labels());
    }
}
