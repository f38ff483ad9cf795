package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The label table at the end of docs/behaviour.md (Alloy's own tests), row by row, through a running relay: the external
 * labels are set by the route from a test-only header the route copies (so one route serves every row).
 */
class LabelRulesTest {
    static Path work;
    static Sink sink;
    static Relay relay;
    static int port;
    static int prodPort;
    static int deletePort;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        work = dir;
        sink = Sink.start();
        port = Relay.freePort();
        prodPort = Relay.freePort();
        deletePort = Relay.freePort();
        // one receiver per external-label case: none, env=prod, env="" (delete)
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("LabelRulesTest/relay.yaml")
                        .with("port", port)
                        .with("sink.url", sink.url())
                        .with("prodPort", prodPort)
                        .with("deletePort", deletePort)
                        .yaml());
        relay = Relay.start(work);
    }

    @AfterAll
    static void stop() throws Exception {
        relay.close();
        sink.close();
    }

    @ParameterizedTest(name = "{0} with external {1} -> app {2}, labels {3}")
    @CsvSource(
            delimiter = '|',
            value = {
                "my.app{}                 | none     | my.app | service_name=my.app",
                "my.app{env=dev}          | env=prod | my.app | env=prod;service_name=my.app",
                "my.app{service_name=svc} | none     | svc    | app_name=my.app;service_name=svc",
                "my.app{a=1,a=2}          | none     | my.app | a=2;service_name=my.app",
                "my.app{ env = dev }      | none     | my.app | env=dev;service_name=my.app",
                "my.app{env=dev}          | env=     | my.app | service_name=my.app",
                "my.app                   | none     | my.app | service_name=my.app",
            })
    void row(String clientName, String external, String app, String labels) throws Exception {
        int target = switch (external) {
            case "none" -> port;
            case "env=prod" -> prodPort;
            case "env=" -> deletePort;
            default -> throw new IllegalArgumentException(external);
        };
        Client.Response r = Client.post(
                target,
                "/ingest?name=" + URLEncoder.encode(clientName, StandardCharsets.UTF_8) + "&from=1&until=2",
                new byte[] {1, 2, 3},
                Map.of("Content-Type", "application/octet-stream"));
        assertEquals(200, r.status(), r.body());
        Fixtures.Name forwarded = Fixtures.forwardedName(sink.take().rawQuery());
        Map<String, String> expected = new TreeMap<>();
        for (String kv : labels.split(";")) {
            expected.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertEquals(app, forwarded.app());
        assertEquals(expected, forwarded.labels());
    }
}
