package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.support.Sink.Answer;
import dev.pyroscoperelay.support.ThreadRecorder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a route runs: on the receiver's event loop by default (a parallel multicast still sends to every destination
 * at once), on the receiver's own worker threads with workerThreads, so that a blocking step holds only its request.
 */
class RouteThreadsTest {
    @TempDir
    Path work;

    @BeforeEach
    void clear() {
        ThreadRecorder.ON_EVENT_LOOP.clear();
    }

    @Test
    void byDefaultTheRouteRunsOnTheEventLoopAndAParallelMulticastSendsToEveryDestinationAtOnce() throws Exception {
        try (Sink slow = Sink.start().answering(n -> new Answer(200, 1000, Map.of()));
                Sink fast = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("RouteThreadsTest/parallel-multicast.yaml")
                            .with("port", port)
                            .with("slow.url", slow.url())
                            .with("fast.url", fast.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                long t0 = System.nanoTime();
                CompletableFuture<Client.Response> answer =
                        CompletableFuture.supplyAsync(() -> post(port, "/ingest?name=a.app", 0));
                // the slow destination is first and holds its copy for 1 s; the fast one must not wait for it
                assertNotNull(fast.poll(500), "the second destination got its copy while the first was still busy");
                Client.Response r = answer.get();
                long took = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(200, r.status(), r.body());
                assertTrue(took >= 1000, "the client is answered only after every destination, took " + took + " ms");
                assertEquals(1, slow.count());
                assertEquals(List.of(true), ThreadRecorder.ON_EVENT_LOOP);
            }
        }
    }

    @Test
    void withWorkerThreadsABlockingStepHoldsOnlyItsOwnRequest() throws Exception {
        try (Sink sink = Sink.start()) {
            int port = Relay.freePort();
            Relay.writeRoute(
                    work,
                    "relay.yaml",
                    RouteFile.of("RouteThreadsTest/worker-threads.yaml")
                            .with("port", port)
                            .with("sink.url", sink.url())
                            .yaml());
            try (Relay relay = Relay.start(work)) {
                long t0 = System.nanoTime();
                List<CompletableFuture<Client.Response>> answers = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    int n = i;
                    answers.add(CompletableFuture.supplyAsync(() -> post(port, "/ingest?name=b.app&from=" + n, n)));
                }
                for (CompletableFuture<Client.Response> a : answers) {
                    assertEquals(200, a.get().status(), a.get().body());
                }
                long took = (System.nanoTime() - t0) / 1_000_000;
                // one after another would take 2 s
                assertTrue(took < 1500, "4 requests with a 500 ms blocking step on 4 workers took " + took + " ms");
                assertEquals(4, sink.count());
                assertEquals(4, ThreadRecorder.ON_EVENT_LOOP.size());
                assertFalse(
                        ThreadRecorder.ON_EVENT_LOOP.contains(true), "a blocking step never runs on the event loop");
            }
        }
    }

    private static Client.Response post(int port, String pathAndQuery, int n) {
        try {
            return Client.post(port, pathAndQuery, ("profile " + n).getBytes(), Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
