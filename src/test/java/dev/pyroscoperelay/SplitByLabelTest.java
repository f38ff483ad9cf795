package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.profiles.v1development.ResourceProfiles;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A push that mixes services, split with the split EIP over ${header.PyroscopeUploadsBy[service_name]} and routed per
 * service with choice: each destination gets only its own series, the client's answer covers every part, and an
 * /ingest upload (one service) goes through the split unchanged.
 */
class SplitByLabelTest {
    @TempDir
    Path work;

    private static String route(int port, boolean parallel, String paymentsUrl, String sharedUrl) {
        return route(port, parallel, paymentsUrl, sharedUrl, "");
    }

    /** stepsBeforeSplit: YAML steps the receiver runs before the split. */
    private static String route(
            int port, boolean parallel, String paymentsUrl, String sharedUrl, String stepsBeforeSplit) {
        return RouteFile.of("SplitByLabelTest/relay.yaml")
                .with("port", port)
                .with("parallel", parallel)
                .with("paymentsUrl", paymentsUrl)
                .with("sharedUrl", sharedUrl)
                .with("stepsBeforeSplit", stepsBeforeSplit)
                .yaml();
    }

    private static RawProfileSeries series(String service, String namespace) {
        return RawProfileSeries.newBuilder()
                .addLabels(LabelPair.newBuilder().setName("service_name").setValue(service))
                .addLabels(LabelPair.newBuilder().setName("namespace").setValue(namespace))
                .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFromUtf8("profile of " + service)))
                .build();
    }

    private static Client.Response push(int port, PushRequest request) throws Exception {
        return Client.post(
                port,
                "/push.v1.PusherService/Push",
                request.toByteArray(),
                Map.of("Content-Type", "application/proto"));
    }

    private static List<String> services(PushRequest request) {
        List<String> out = new ArrayList<>();
        for (RawProfileSeries s : request.getSeriesList()) {
            Map<String, String> labels = new TreeMap<>();
            s.getLabelsList().forEach(p -> labels.put(p.getName(), p.getValue()));
            out.add(labels.get("service_name") + "="
                    + s.getSamples(0).getRawProfile().toStringUtf8());
        }
        return out;
    }

    @ParameterizedTest(name = "parallelProcessing {0}")
    @ValueSource(booleans = {false, true})
    void aMixedPushIsSplitPerServiceAndRouted(boolean parallel) throws Exception {
        try (Sink payments = Sink.start();
                Sink shared = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route(port, parallel, payments.url(), shared.url()));
            try (Relay relay = Relay.start(work)) {
                PushRequest mixed = PushRequest.newBuilder()
                        .addSeries(series("payments-api", "pay"))
                        .addSeries(series("checkout", "shop"))
                        .addSeries(series("payments-api", "pay"))
                        .addSeries(series("cart", "shop"))
                        .build();
                Client.Response r = push(port, mixed);
                assertEquals(200, r.status(), r.body());

                PushRequest paid = PushRequest.parseFrom(payments.take().body());
                assertEquals(
                        List.of("payments-api=profile of payments-api", "payments-api=profile of payments-api"),
                        services(paid),
                        "the payments destination gets both payments series and nothing else");
                List<String> rest = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Sink.Received got = shared.take();
                    assertEquals("team-shop", got.header("X-Scope-OrgID"), "the part's own labels set its tenant");
                    rest.addAll(services(PushRequest.parseFrom(got.body())));
                }
                rest.sort(null);
                assertEquals(List.of("cart=profile of cart", "checkout=profile of checkout"), rest);
                assertEquals(1, payments.count());
                assertEquals(2, shared.count(), "one push per service");

                // one service: split into one part, forwarded byte for byte
                Capture c = Fixtures.javaAgent(1);
                Client.Response ingest =
                        Client.post(port, "/ingest?" + c.rawQuery(), c.body(), Map.of("Content-Type", c.contentType()));
                assertEquals(200, ingest.status(), ingest.body());
                Sink.Received got = shared.take();
                assertArrayEquals(c.body(), got.body());
                assertEquals(Fixtures.withoutName(c.rawQuery()), Fixtures.withoutName(got.rawQuery()));
            }
        }
    }

    @Test
    void aFailingPartIsNeverA200AndDoesNotHarmTheOthers() throws Exception {
        try (Sink payments = Sink.start().answering(503);
                Sink shared = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", route(port, true, payments.url(), shared.url()));
            try (Relay relay = Relay.start(work)) {
                Client.Response r = push(
                        port,
                        PushRequest.newBuilder()
                                .addSeries(series("payments-api", "pay"))
                                .addSeries(series("checkout", "shop"))
                                .build());
                assertEquals(503, r.status(), r.body());
                assertTrue(r.body().contains("payments"), "the answer names the failing writer: " + r.body());
                assertEquals(
                        List.of("checkout=profile of checkout"),
                        services(PushRequest.parseFrom(shared.take().body())),
                        "the other service's part was delivered");
            }
        }
    }

    /** OTLP: the relabel step drops a service by its service.name, the split sends each service its own way. */
    @Test
    void anOtlpExportIsRelabelledAndSplitPerService() throws Exception {
        try (Sink payments = Sink.start();
                Sink shared = Sink.start()) {
            int port = Relay.freePort();
            String yaml = route(
                    port,
                    false,
                    payments.url(),
                    shared.url(),
                    RouteFile.of("SplitByLabelTest/relabel-step.yaml").yaml());
            assertTrue(yaml.contains("pyroscope-relabel"), yaml);
            Relay.writeRoute(work, "relay.yaml", yaml);
            try (Relay relay = Relay.start(work)) {
                ExportProfilesServiceRequest export = ExportProfilesServiceRequest.newBuilder()
                        .addResourceProfiles(otlpResource("payments-api", "pay"))
                        .addResourceProfiles(otlpResource("noisy", "shop"))
                        .addResourceProfiles(otlpResource("checkout", "shop"))
                        .build();
                Client.Response r = Client.post(
                        port,
                        "/v1development/profiles",
                        export.toByteArray(),
                        Map.of("Content-Type", "application/x-protobuf"));
                assertEquals(200, r.status(), r.body());
                ExportProfilesServiceRequest paid =
                        ExportProfilesServiceRequest.parseFrom(payments.take().body());
                assertEquals(1, paid.getResourceProfilesCount());
                assertEquals(export.getResourceProfiles(0), paid.getResourceProfiles(0));
                Sink.Received other = shared.take();
                assertEquals("team-shop", other.header("X-Scope-OrgID"));
                ExportProfilesServiceRequest rest = ExportProfilesServiceRequest.parseFrom(other.body());
                assertEquals(List.of(export.getResourceProfiles(2)), rest.getResourceProfilesList(), "noisy dropped");
                assertEquals(2, payments.count() + shared.count(), "one export per service left");
            }
        }
    }

    private static ResourceProfiles otlpResource(String service, String namespace) {
        return ResourceProfiles.newBuilder()
                .setResource(Resource.newBuilder()
                        .addAttributes(KeyValue.newBuilder()
                                .setKey("service.name")
                                .setValue(AnyValue.newBuilder().setStringValue(service)))
                        .addAttributes(KeyValue.newBuilder()
                                .setKey("namespace")
                                .setValue(AnyValue.newBuilder().setStringValue(namespace))))
                .build();
    }
}
