package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Fixtures.Capture;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Received;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every example of the seed, from examples/, run as a user runs it; only the destination hosts and listen ports
 * are replaced by loopback sinks and free ports.
 */
class ExamplesTest {
    @TempDir
    Path work;

    private final int port9999 = freePort();
    private final int port9998 = freePort();
    private final int port9090 = freePort();

    private static int freePort() {
        try {
            return Relay.freePort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Relay startExample(String name, Sink first, Sink second) throws Exception {
        Path src = Path.of("examples", name, "routes");
        Path routes = Files.createDirectories(work.resolve("routes"));
        try (var files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String yaml = Files.readString(f)
                        .replace("listenPort: 9999", "listenPort: " + port9999)
                        .replace("listenPort: 9998", "listenPort: " + port9998)
                        .replace("listenPort: 9090", "listenPort: " + port9090)
                        .replace("http://pyroscope:4040", first.url())
                        .replace("http://localhost:4040", first.url())
                        .replace("http://pyroscope-staging:4040", first.url())
                        .replace("http://pyroscope-production:4041", second == null ? "http://unused" : second.url())
                        .replace("http://pyroscope-payments:4040", second == null ? "http://unused" : second.url());
                Files.writeString(routes.resolve(f.getFileName()), yaml);
            }
        }
        return Relay.start(work);
    }

    private static Received upload(int port, Sink sink) throws Exception {
        Capture c = Fixtures.javaAgent(1);
        Client.Response r = Client.postChunked(
                port,
                "/ingest?" + c.rawQuery(),
                c.body(),
                Map.of("Content-Type", c.contentType(), "X-Scope-OrgID", "tenant-a"));
        assertEquals(200, r.status(), r.body());
        Received got = sink.take();
        assertEquals("/ingest", got.path());
        assertArrayEquals(c.body(), got.body());
        assertEquals(c.contentType(), got.header("Content-Type"));
        assertEquals(Fixtures.withoutName(c.rawQuery()), Fixtures.withoutName(got.rawQuery()));
        return got;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basic() throws Exception {
        try (Sink sink = Sink.start();
                Relay relay = startExample("basic", sink, null)) {
            Received got = upload(port9999, sink);
            Fixtures.Name name = Fixtures.forwardedName(got.rawQuery());
            assertEquals("relay.fixture.java", name.app());
            assertEquals("relay.fixture.java", name.labels().get("service_name"));
            assertEquals("obs", name.labels().get("team"));
            assertEquals("tenant-a", got.header("X-Scope-OrgID"));
        }
    }

    @Test
    void basicReceivingSetup() throws Exception {
        try (Sink sink = Sink.start();
                Relay relay = startExample("basic-receiving-setup", sink, null)) {
            upload(port9090, sink);
        }
    }

    @Test
    void authentication() throws Exception {
        try (Sink sink = Sink.start();
                Relay relay = startExample("authentication", sink, null)) {
            Received got = upload(port9999, sink);
            assertEquals(
                    basic(System.getenv("PYROSCOPE_USERNAME"), System.getenv("PYROSCOPE_PASSWORD")),
                    got.header("Authorization"));
        }
    }

    @Test
    void externalLabels() throws Exception {
        try (Sink sink = Sink.start();
                Relay relay = startExample("external-labels", sink, null)) {
            Map<String, String> labels =
                    Fixtures.forwardedName(upload(port9999, sink).rawQuery()).labels();
            assertEquals("production", labels.get("env"));
            assertEquals("us-west-1", labels.get("region"));
            assertEquals(System.getenv("HOSTNAME"), labels.get("instance"));
            assertEquals("main", labels.get("cluster"));
        }
    }

    @Test
    void multipleDestinations() throws Exception {
        try (Sink staging = Sink.start();
                Sink production = Sink.start();
                Relay relay = startExample("multiple-destinations", staging, production)) {
            Capture c = Fixtures.javaAgent(2);
            Client.Response r = Client.postChunked(
                    port9999,
                    "/ingest?" + c.rawQuery(),
                    c.body(),
                    Map.of("Content-Type", c.contentType(), "Authorization", "Basic Y2xpZW50OnNlY3JldA=="));
            assertEquals(200, r.status(), r.body());
            Received s = staging.take();
            Received p = production.take();
            assertArrayEquals(c.body(), s.body());
            assertArrayEquals(c.body(), p.body());
            assertEquals(
                    "staging", Fixtures.forwardedName(s.rawQuery()).labels().get("env"));
            Map<String, String> prodLabels =
                    Fixtures.forwardedName(p.rawQuery()).labels();
            assertEquals("production", prodLabels.get("env"));
            assertEquals(System.getenv("HOSTNAME"), prodLabels.get("instance"));
            assertNull(Fixtures.forwardedName(s.rawQuery()).labels().get("instance"));
            assertNull(s.header("Authorization"), "the client's Authorization never reaches a destination");
            assertEquals(
                    basic(System.getenv("PYROSCOPE_USERNAME"), System.getenv("PYROSCOPE_PASSWORD")),
                    p.header("Authorization"));
        }
    }

    @Test
    void multipleReceivers() throws Exception {
        try (Sink staging = Sink.start();
                Sink production = Sink.start();
                Relay relay = startExample("multiple-receivers", staging, production)) {
            assertEquals(
                    "staging",
                    Fixtures.forwardedName(upload(port9998, staging).rawQuery())
                            .labels()
                            .get("env"));
            assertEquals(
                    "production",
                    Fixtures.forwardedName(upload(port9999, production).rawQuery())
                            .labels()
                            .get("env"));
            assertNull(staging.poll(300), "each receiver writes only to its own destination");
        }
    }

    /** examples/relabel: a noisy service dropped, env renamed, batch services sampled by hashmod, payments routed. */
    @Test
    void relabelDropsRenamesSamplesAndRoutes() throws Exception {
        try (Sink shared = Sink.start();
                Sink payments = Sink.start();
                Relay relay = startExample("relabel", shared, payments)) {
            assertEquals(
                    200,
                    Client.post(port9999, "/ingest?name=noisy-cron%7Benv%3Ddev%7D", new byte[] {1}, Map.of())
                            .status());
            assertEquals(
                    200,
                    Client.post(port9999, "/ingest?name=payments-api%7Benv%3Dprod%7D", new byte[] {1}, Map.of())
                            .status());
            assertEquals(
                    200,
                    Client.post(port9999, "/ingest?name=checkout%7Benv%3Dprod%7D", new byte[] {1}, Map.of())
                            .status());
            Map<String, String> pay =
                    Fixtures.forwardedName(payments.take().rawQuery()).labels();
            assertEquals("payments-api", pay.get("service_name"));
            assertEquals("prod", pay.get("environment"));
            assertNull(pay.get("env"));
            assertNull(pay.get("__sample"), "private labels are not sent");
            assertEquals(
                    "checkout",
                    Fixtures.forwardedName(shared.take().rawQuery()).labels().get("service_name"));
            assertEquals(2, shared.count() + payments.count(), "noisy-cron went nowhere");
            int kept = 0;
            for (int i = 0; i < 40; i++) {
                String service = "batch-" + i;
                assertEquals(
                        200,
                        Client.post(port9999, "/ingest?name=" + service, new byte[] {1}, Map.of())
                                .status());
                assertEquals(
                        200,
                        Client.post(port9999, "/ingest?name=" + service, new byte[] {1}, Map.of())
                                .status());
            }
            kept = shared.count() - 1; // checkout was the first
            assertEquals(0, kept % 2, "a batch service is kept or dropped every time: " + kept);
            assertTrue(kept > 0 && kept < 80, "about 1 in 4 batch services kept: " + kept / 2 + " of 40");

            // a push with both kinds of service is split: payments to its own Pyroscope, the rest to the shared one
            while (shared.poll(0) != null) {
                // the batch uploads above
            }
            int before = shared.count() + payments.count();
            Client.Response r = pushSeries(
                    port9999,
                    Map.of("service_name", "payments-api", "env", "prod"),
                    Map.of("service_name", "checkout", "env", "prod"),
                    Map.of("service_name", "noisy-cron", "env", "prod"));
            assertEquals(200, r.status(), r.body());
            assertEquals(List.of("payments-api"), pushedValues(payments.take(), "service_name"));
            assertEquals(List.of("checkout"), pushedValues(shared.take(), "service_name"));
            assertEquals(before + 2, shared.count() + payments.count(), "noisy-cron went nowhere");
        }
    }

    /** examples/tenant-per-namespace: the namespace label sets X-Scope-OrgID; no label keeps the client's tenant. */
    @Test
    void tenantPerNamespace() throws Exception {
        try (Sink sink = Sink.start();
                Relay relay = startExample("tenant-per-namespace", sink, null)) {
            assertEquals(
                    200,
                    Client.post(
                                    port9999,
                                    "/ingest?name=api%7Bnamespace%3Dcheckout%7D",
                                    new byte[] {1},
                                    Map.of("X-Scope-OrgID", "client-tenant"))
                            .status());
            assertEquals("team-checkout", sink.take().header("X-Scope-OrgID"));
            assertEquals(
                    200,
                    Client.post(port9999, "/ingest?name=api", new byte[] {1}, Map.of("X-Scope-OrgID", "client-tenant"))
                            .status());
            assertEquals("client-tenant", sink.take().header("X-Scope-OrgID"));
            assertEquals(
                    200,
                    Client.post(port9999, "/ingest?name=api", new byte[] {1}, Map.of())
                            .status());
            assertNull(sink.take().header("X-Scope-OrgID"));

            // a push across namespaces: one part per namespace, each under its own tenant
            Client.Response r = pushSeries(
                    port9999,
                    Map.of("service_name", "api", "namespace", "checkout"),
                    Map.of("service_name", "worker", "namespace", "billing"),
                    Map.of("service_name", "web", "namespace", "checkout"));
            assertEquals(200, r.status(), r.body());
            Map<String, List<String>> byTenant = new TreeMap<>();
            for (int i = 0; i < 2; i++) {
                Received got = sink.take();
                byTenant.put(got.header("X-Scope-OrgID"), pushedValues(got, "service_name"));
            }
            assertEquals(Map.of("team-billing", List.of("worker"), "team-checkout", List.of("api", "web")), byTenant);
        }
    }

    /** A push request with one series (one sample) per label set. */
    @SafeVarargs
    private static Client.Response pushSeries(int port, Map<String, String>... seriesLabels) throws Exception {
        PushRequest.Builder push = PushRequest.newBuilder();
        for (Map<String, String> labels : seriesLabels) {
            RawProfileSeries.Builder series = RawProfileSeries.newBuilder()
                    .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFromUtf8("profile")));
            new TreeMap<>(labels)
                    .forEach((k, v) ->
                            series.addLabels(LabelPair.newBuilder().setName(k).setValue(v)));
            push.addSeries(series);
        }
        return Client.post(
                port,
                "/push.v1.PusherService/Push",
                push.build().toByteArray(),
                Map.of("Content-Type", "application/proto"));
    }

    /** The values of one label in the series of a forwarded push, in order. */
    private static List<String> pushedValues(Received got, String label) throws Exception {
        List<String> values = new ArrayList<>();
        for (RawProfileSeries s : PushRequest.parseFrom(got.body()).getSeriesList()) {
            for (LabelPair p : s.getLabelsList()) {
                if (p.getName().equals(label)) {
                    values.add(p.getValue());
                }
            }
        }
        return values;
    }
}
