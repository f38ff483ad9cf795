package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.Fixtures;
import dev.pyroscoperelay.support.KubeletVolume;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.TestCertificates;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file the relay watches, updated as the kubelet updates a ConfigMap or Secret volume (a new timestamped
 * directory, the {@code ..data} symlink swapped, the key symlinks unchanged), with SDK-like uploads running through
 * each update: route files, a writer's bearerTokenFile, a receiver's certificate and a relabel rulesFile.
 */
class KubeletVolumeTest {
    @TempDir
    Path work;

    /** Clients that upload on kept-alive connections with pauses between, as SDKs do; counts what did not get 200. */
    private static final class Uploads implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger sent = new AtomicInteger();
        final Map<String, Integer> failures = new ConcurrentHashMap<>();
        final ExecutorService clients = Executors.newFixedThreadPool(4);

        Uploads(int port) {
            for (int c = 0; c < 4; c++) {
                clients.submit(() -> {
                    HttpClient http = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .build();
                    while (running.get()) {
                        String outcome;
                        try {
                            HttpResponse<String> r = http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + port + "/ingest?name=kube.app"))
                                            .timeout(Duration.ofSeconds(10))
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            outcome = r.statusCode() == 200 ? null : r.statusCode() + " " + r.body();
                        } catch (Exception e) {
                            outcome = e.toString();
                        }
                        sent.incrementAndGet();
                        if (outcome != null) {
                            failures.merge(outcome, 1, Integer::sum);
                        }
                        Thread.sleep(ThreadLocalRandom.current().nextLong(200, 500)); // an SDK's pause, shortened
                    }
                    return null;
                });
            }
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            clients.shutdown();
            assertTrue(clients.awaitTermination(30, TimeUnit.SECONDS));
        }
    }

    private static String envOf(Sink.Received r) {
        return Fixtures.forwardedName(r.rawQuery()).labels().get("env");
    }

    @Test
    void routeFilesFromAConfigMapVolumeAreReloadedOnEachUpdate() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            KubeletVolume routes = KubeletVolume.create(
                    work.resolve("routes"),
                    Map.of("relay.yaml", RouteYaml.receiveLabelAndWrite("relay", port, "v1", sink.url())));
            try (Relay relay = Relay.start(work);
                    Uploads uploads = new Uploads(port)) {
                Await.until(
                        "v1 delivered",
                        Duration.ofSeconds(20),
                        () -> sink.all().stream().anyMatch(r -> "v1".equals(envOf(r))));
                for (String env : List.of("v2", "v3")) {
                    routes.update(Map.of("relay.yaml", RouteYaml.receiveLabelAndWrite("relay", port, env, sink.url())));
                    Await.until(env + " applied from the ..data swap", Duration.ofSeconds(30), () -> {
                        List<Sink.Received> all = sink.all();
                        return !all.isEmpty() && env.equals(envOf(all.get(all.size() - 1)));
                    });
                }
                // a broken file through the same swap: refused, the running routes keep serving
                routes.update(Map.of("relay.yaml", "- route: [not, a, route"));
                int before = sink.count();
                Await.until(
                        "still serving after a broken update", Duration.ofSeconds(20), () -> sink.count() > before + 8);
                List<Sink.Received> all = sink.all();
                assertEquals("v3", envOf(all.get(all.size() - 1)));
                uploads.close();
                assertEquals(Map.of(), uploads.failures, "of " + uploads.sent.get() + " uploads");
            }
        }
    }

    @Test
    void aBearerTokenAndARulesFileFromVolumesAreReadAgainOnEachUpdate() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            KubeletVolume secret = KubeletVolume.create(work.resolve("secret"), Map.of("token", "first-token\n"));
            KubeletVolume rules = KubeletVolume.create(
                    work.resolve("rules"),
                    Map.of("rules.yaml", "- {source_labels: [service_name], target_label: tier, replacement: one}\n"));
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("KubeletVolumeTest/token-and-rules.yaml")
                            .with("port", port)
                            .with("rules.file", rules.file("rules.yaml"))
                            .with("sink.url", sink.url())
                            .with("token.file", secret.file("token"))
                            .yaml());
            try (Relay relay = Relay.start(work);
                    Uploads uploads = new Uploads(port)) {
                Await.until(
                        "the first token and rule",
                        Duration.ofSeconds(20),
                        () -> sink.all().stream()
                                .anyMatch(r -> "Bearer first-token".equals(r.header("Authorization"))
                                        && "one"
                                                .equals(Fixtures.forwardedName(r.rawQuery())
                                                        .labels()
                                                        .get("tier"))));
                secret.update(Map.of("token", "rotated-token\n"));
                rules.update(Map.of(
                        "rules.yaml", "- {source_labels: [service_name], target_label: tier, replacement: two}\n"));
                Await.until("the rotated token and the new rule", Duration.ofSeconds(30), () -> {
                    List<Sink.Received> all = sink.all();
                    Sink.Received last = all.get(all.size() - 1);
                    return "Bearer rotated-token".equals(last.header("Authorization"))
                            && "two"
                                    .equals(Fixtures.forwardedName(last.rawQuery())
                                            .labels()
                                            .get("tier"));
                });
                uploads.close();
                assertEquals(Map.of(), uploads.failures, "of " + uploads.sent.get() + " uploads");
            }
        }
    }

    @Test
    void aReceiverCertificateFromASecretVolumeIsRenewedOnUpdate() throws Exception {
        TestCertificates.Pair first = TestCertificates.create(work, "first", "relay-first");
        TestCertificates.Pair second = TestCertificates.create(work, "second", "relay-second");
        KubeletVolume tls = KubeletVolume.create(
                work.resolve("tls"),
                Map.of("tls.crt", Files.readString(first.certPem()), "tls.key", Files.readString(first.keyPem())));
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("KubeletVolumeTest/receiver-tls.yaml")
                            .with("port", port)
                            .with("cert.file", tls.file("tls.crt"))
                            .with("key.file", tls.file("tls.key"))
                            .with("sink.url", sink.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                assertEquals("CN=relay-first", TestCertificates.servedSubject(port));
                // cert-manager renews: both keys change in one swap
                tls.update(Map.of(
                        "tls.crt", Files.readString(second.certPem()), "tls.key", Files.readString(second.keyPem())));
                List<String> seen = new ArrayList<>();
                Await.until("the renewed certificate served", Duration.ofSeconds(20), () -> {
                    try {
                        String s = TestCertificates.servedSubject(port);
                        seen.add(s);
                        return s.equals("CN=relay-second");
                    } catch (Exception e) {
                        return false;
                    }
                });
            }
        }
    }
}
