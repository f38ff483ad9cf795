package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.RouteYaml;
import dev.pyroscoperelay.support.Sink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight clients upload without pause while routes/relay.yaml is edited five times (writer URL, labels, a second
 * receiver added and removed): not one request to the receiver that stays may fail. The port stays open and
 * requests that arrive during the swap wait for the new routes.
 */
class ReloadUnderLoadTest {
    @TempDir
    Path work;

    private static String routes(int port, String url, String env, int secondPort) {
        String yaml = RouteYaml.receiveLabelAndWrite("receive", port, env, url);
        if (secondPort > 0) {
            yaml += RouteFile.of("ReloadUnderLoadTest/second-receiver.yaml")
                    .with("secondPort", secondPort)
                    .with("url", url)
                    .yaml();
        }
        return yaml;
    }

    private void save(String text) throws Exception {
        Relay.replaceRoute(work, "relay.yaml", text);
    }

    @Test
    void editsUnderLoadFailNoRequest() throws Exception {
        try (Sink a = Sink.start();
                Sink b = Sink.start()) {
            int port = Relay.freePort();
            int second = Relay.freePort();
            Relay.writeRoute(work, "relay.yaml", routes(port, a.url(), "e0", 0));
            try (Relay relay = Relay.start(work)) {
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger ok = new AtomicInteger();
                Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
                CountDownLatch done = new CountDownLatch(8);
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    Thread t = new Thread(() -> {
                        try {
                            while (running.get()) {
                                String outcome;
                                try {
                                    Client.Response r =
                                            Client.post(port, "/ingest?name=reload.app", new byte[] {1, 2}, Map.of());
                                    outcome = r.status() == 200
                                            ? null
                                            : r.status() + " " + r.body().trim();
                                } catch (Exception e) {
                                    outcome = e.toString();
                                }
                                if (outcome == null) {
                                    ok.incrementAndGet();
                                } else {
                                    failures.computeIfAbsent(outcome, k -> new AtomicInteger())
                                            .incrementAndGet();
                                }
                            }
                        } finally {
                            done.countDown();
                        }
                    });
                    t.start();
                    clients.add(t);
                }
                String[] urls = {b.url(), a.url(), b.url(), a.url(), b.url()};
                int[] seconds = {second, second, 0, 0, second};
                for (int edit = 0; edit < 5; edit++) {
                    int before = ok.get();
                    save(routes(port, urls[edit], "e" + (edit + 1), seconds[edit]));
                    // the watcher polls: wait until the edit's label arrives at the edit's sink
                    Sink target = urls[edit].equals(a.url()) ? a : b;
                    String label = "env%3De" + (edit + 1);
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (target.all().stream().noneMatch(r -> r.rawQuery().contains(label))) {
                        assertTrue(System.nanoTime() < end, "edit " + (edit + 1) + " not applied within 30 s");
                        Thread.sleep(50);
                    }
                    Thread.sleep(300);
                    assertTrue(ok.get() > before, "requests kept succeeding around edit " + (edit + 1));
                }
                running.set(false);
                assertTrue(done.await(60, TimeUnit.SECONDS));
                System.out.println(ok.get() + " requests during 5 reloads, failed: " + failures);
                assertEquals(Map.of(), Map.copyOf(failures), "requests failed during reloads");
                assertEquals(ok.get(), a.count() + b.count(), "every request answered 200 was delivered once");
            }
        }
    }
}
