package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.Fixtures.Capture;
import dev.pyroscoperelay.support.KafkaBroker;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two tiers joined by a real Kafka broker (a child JVM): receive tier = pyroscope-receive to
 * pyroscope-kafka-sink, write tier = pyroscope-kafka-source to a multicast of two writers, in one relay.
 */
class KafkaTest {
    @TempDir
    Path work;

    private KafkaBroker broker;
    private Sink a;
    private Sink b;
    private Relay relay;
    private int port;

    private void start(IntFunction<Sink.Answer> bAnswers) throws Exception {
        broker = KafkaBroker.start(Files.createDirectories(work.resolve("kafka")));
        a = Sink.start();
        b = Sink.start().answering(bAnswers);
        port = Relay.freePort();
        Path relayDir = Files.createDirectories(work.resolve("relay"));
        Relay.writeRoute(
                relayDir,
                "relay.yaml",
                RouteFile.of("KafkaTest/two-tiers.yaml")
                        .with("port", port)
                        .with("broker.bootstrapServers", broker.bootstrapServers())
                        .with("a.url", a.url())
                        .with("b.url", b.url())
                        .yaml());
        relay = Relay.start(relayDir);
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (a != null) {
            a.close();
            b.close();
        }
    }

    @Test
    void everyUploadKindGoesThroughTheTopicToBothDestinations() throws Exception {
        start(n -> Sink.Answer.status(200));
        Capture c = Fixtures.javaAgent(1);
        Client.Response r = Client.postChunked(
                port,
                "/ingest?" + c.rawQuery(),
                c.body(),
                Map.of("Content-Type", c.contentType(), "X-Scope-OrgID", "tenant-a"));
        assertEquals(200, r.status(), r.body());
        for (Sink sink : new Sink[] {a, b}) {
            Sink.Received got = sink.take();
            assertEquals("/ingest", got.path());
            assertArrayEquals(c.body(), got.body(), "the Java agent's multipart JFR, byte for byte");
            assertEquals(c.contentType(), got.header("Content-Type"));
            assertEquals("tenant-a", got.header("X-Scope-OrgID"));
            Map<String, String> labels = Fixtures.forwardedName(got.rawQuery()).labels();
            assertEquals("receive", labels.get("tier"), "a receive-tier label travels with the record");
            assertEquals("write", labels.get("both"), "the write tier's label wins");
        }

        PushRequest push = PushRequest.newBuilder()
                .addSeries(RawProfileSeries.newBuilder()
                        .addLabels(
                                LabelPair.newBuilder().setName("service_name").setValue("pushed"))
                        .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFromUtf8("pprof"))))
                .build();
        r = Client.post(
                port, "/push.v1.PusherService/Push", push.toByteArray(), Map.of("Content-Type", "application/proto"));
        assertEquals(200, r.status(), r.body());
        for (Sink sink : new Sink[] {a, b}) {
            PushRequest got = PushRequest.parseFrom(sink.take().body());
            Map<String, String> labels = new TreeMap<>();
            got.getSeries(0).getLabelsList().forEach(p -> labels.put(p.getName(), p.getValue()));
            assertEquals(Map.of("service_name", "pushed", "tier", "receive", "both", "write"), labels);
            assertEquals(push.getSeries(0).getSamples(0), got.getSeries(0).getSamples(0));
        }

        io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest otlp =
                io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest.newBuilder()
                        .addResourceProfiles(io.opentelemetry.proto.profiles.v1development.ResourceProfiles.newBuilder()
                                .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                                        .addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder()
                                                .setKey("service.name")
                                                .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder()
                                                        .setStringValue("otel-app")))))
                        .build();
        r = Client.post(
                port, "/v1development/profiles", otlp.toByteArray(), Map.of("Content-Type", "application/x-protobuf"));
        assertEquals(200, r.status(), r.body());
        for (Sink sink : new Sink[] {a, b}) {
            Sink.Received got = sink.take();
            assertEquals("/v1development/profiles", got.path());
            var forwarded =
                    io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest.parseFrom(
                            got.body());
            Map<String, String> attributes = new TreeMap<>();
            forwarded
                    .getResourceProfiles(0)
                    .getResource()
                    .getAttributesList()
                    .forEach(kv -> attributes.put(kv.getKey(), kv.getValue().getStringValue()));
            assertEquals(Map.of("service.name", "otel-app", "tier", "receive", "both", "write"), attributes);
        }

        byte[] big = new byte[10 * 1024 * 1024];
        new java.util.Random(3).nextBytes(big);
        r = Client.post(port, "/ingest?name=big.app", big, Map.of("Content-Type", "application/octet-stream"));
        assertEquals(200, r.status(), r.body());
        assertArrayEquals(big, a.take().body(), "a 10 MB body through the topic");
        assertArrayEquals(big, b.take().body());
    }

    @Test
    void aRetryableFailureIsReadAgainUntilDelivered() throws Exception {
        start(n -> Sink.Answer.status(n <= 3 ? 503 : 200));
        byte[] body = {1, 2, 3};
        assertEquals(
                200, Client.post(port, "/ingest?name=retry.app", body, Map.of()).status());
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (b.count() < 4 && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        assertTrue(b.count() >= 4, "b answered 503 three times, then took it: " + b.count());
        assertTrue(a.count() >= 2, "a got it again each time the record was read again (duplicates): " + a.count());
        for (Sink.Received got : b.all()) {
            assertArrayEquals(body, got.body());
        }
    }

    @Test
    void noBrokerMeans503AndNothingAcknowledged() throws Exception {
        start(n -> Sink.Answer.status(200));
        broker.stop();
        Client.Response r = Client.post(port, "/ingest?name=down.app", new byte[] {7}, Map.of());
        assertEquals(503, r.status(), r.body());
        assertTrue(r.body().contains("kafka"), r.body());
        broker.startAgain();
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        int status;
        do {
            status = Client.post(port, "/ingest?name=up.app", new byte[] {8}, Map.of())
                    .status();
        } while (status != 200 && System.nanoTime() < end);
        assertEquals(200, status, "accepted again once the broker is back");
        Sink.Received got = a.take();
        assertEquals("up.app", Fixtures.forwardedName(got.rawQuery()).labels().get("service_name"));
    }

    @Test
    void aRecordThatIsNotOursIsSkipped() throws Exception {
        start(n -> Sink.Answer.status(200));
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(p)) {
            // same key as the upload below: the same partition, read first
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                            "pyroscope-profiles", "after.app/", "something else's record"))
                    .get();
        }
        assertEquals(
                200,
                Client.post(port, "/ingest?name=after.app", new byte[] {5}, Map.of())
                        .status());
        Sink.Received got = a.take();
        assertEquals(
                "after.app", Fixtures.forwardedName(got.rawQuery()).labels().get("service_name"));
        assertEquals(1, a.count(), "the foreign record went nowhere");
        assertTrue(
                Client.get(relay.managementPort(), "/observe/metrics")
                        .body()
                        .contains("pyroscope_relay_kafka_skipped_records_total{reason=\"foreign\"} 1.0"),
                "counted");
    }

    /** examples/kafka: the receive tier's and the write tier's routes, as they are, in one relay. */
    @Test
    void theKafkaExamplesRunAsTheyAre() throws Exception {
        broker = KafkaBroker.start(Files.createDirectories(work.resolve("kafka")));
        a = Sink.start();
        b = Sink.start();
        port = Relay.freePort();
        Path relayDir = Files.createDirectories(work.resolve("relay"));
        for (String tier : new String[] {"receive-tier", "write-tier"}) {
            String yaml = Files.readString(Path.of("examples/kafka", tier, "routes/relay.yaml"))
                    .replace("listenPort: 9999", "listenPort: " + port)
                    .replace("localhost:9092", broker.bootstrapServers())
                    .replace("http://pyroscope-production:4041", a.url())
                    .replace("http://pyroscope-staging:4040", b.url());
            Relay.writeRoute(relayDir, tier + ".yaml", yaml);
        }
        relay = Relay.start(relayDir);
        Capture c = Fixtures.javaAgent(1);
        Client.Response r =
                Client.postChunked(port, "/ingest?" + c.rawQuery(), c.body(), Map.of("Content-Type", c.contentType()));
        assertEquals(200, r.status(), r.body());
        for (Sink sink : new Sink[] {a, b}) {
            Sink.Received got = sink.take();
            assertArrayEquals(c.body(), got.body());
            assertEquals(
                    "eu-west-1", Fixtures.forwardedName(got.rawQuery()).labels().get("region"));
        }
    }

    /** The broker stops and comes back under load: clients get 503 meanwhile, and every acknowledged upload arrives. */
    @Test
    void aBrokerOutageUnderLoadLosesNothingAcknowledged() throws Exception {
        start(n -> Sink.Answer.status(200));
        java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Map<Integer, Integer> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        var clients = java.util.concurrent.Executors.newFixedThreadPool(8);
        for (int t = 0; t < 8; t++) {
            clients.submit(() -> {
                while (running.get()) {
                    String id = Integer.toString(next.incrementAndGet());
                    try {
                        int status = Client.post(
                                        port, "/ingest?name=load.app%7Bid%3D" + id + "%7D", new byte[] {1}, Map.of())
                                .status();
                        statuses.merge(status, 1, Integer::sum);
                        if (status == 200) {
                            acknowledged.add(id);
                        }
                    } catch (Exception e) {
                        statuses.merge(-1, 1, Integer::sum);
                    }
                }
                return null;
            });
        }
        Await.until("uploads acknowledged before the outage", Duration.ofSeconds(30), () -> acknowledged.size() >= 50);
        broker.stop();
        Await.until(
                "clients told to retry during the outage",
                Duration.ofSeconds(60),
                () -> statuses.getOrDefault(503, 0) >= 8);
        broker.startAgain();
        int beforeRestart = acknowledged.size();
        Await.until(
                "uploads acknowledged after the broker came back",
                Duration.ofSeconds(60),
                () -> acknowledged.size() >= beforeRestart + 50);
        running.set(false);
        clients.shutdown();
        assertTrue(clients.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(statuses.getOrDefault(503, 0) > 0, "clients were told to retry during the outage: " + statuses);
        assertEquals(java.util.Set.of(200, 503), statuses.keySet(), "only 200 and 503: " + statuses);
        long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        java.util.Set<String> delivered = new java.util.HashSet<>();
        while (!delivered.containsAll(acknowledged) && System.nanoTime() < end) {
            delivered.clear();
            for (Sink.Received got : a.all()) {
                delivered.add(Fixtures.forwardedName(got.rawQuery()).labels().get("id"));
            }
            Thread.sleep(200);
        }
        java.util.Set<String> lost = new java.util.TreeSet<>(acknowledged);
        lost.removeAll(delivered);
        assertEquals(java.util.Set.of(), lost, "acknowledged and never delivered (of " + acknowledged.size() + ")");
    }

    /** A relabel step before the sink that drops an upload: 200, and no record is written. */
    @Test
    void anUploadTheRulesDropIsNotWritten() throws Exception {
        broker = KafkaBroker.start(Files.createDirectories(work.resolve("kafka")));
        a = Sink.start();
        b = Sink.start();
        port = Relay.freePort();
        Path relayDir = Files.createDirectories(work.resolve("relay"));
        Relay.writeRoute(
                relayDir,
                "relay.yaml",
                RouteFile.of("KafkaTest/relabel-then-kafka.yaml")
                        .with("port", port)
                        .with("broker.bootstrapServers", broker.bootstrapServers())
                        .with("a.url", a.url())
                        .yaml());
        relay = Relay.start(relayDir);
        Client.Response dropped = Client.post(port, "/ingest?name=noisy", new byte[] {1}, Map.of());
        assertEquals(200, dropped.status(), dropped.body());
        assertEquals(
                200,
                Client.post(port, "/ingest?name=kept", new byte[] {2}, Map.of()).status());
        assertEquals(
                "kept", Fixtures.forwardedName(a.take().rawQuery()).labels().get("service_name"));
        Thread.sleep(500);
        assertEquals(1, a.count(), "the dropped upload was never written to the topic");
    }
}
