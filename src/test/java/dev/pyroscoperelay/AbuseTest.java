package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.HeavyTest;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import dev.pyroscoperelay.support.Sink;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Huge, many, slow and stalled uploads against a relay in its own JVM with the README's flags (MaxRAM=512m): bodies
 * are bounded by the budget and spooled to disk, a stalled client is cut off after readTimeout, and small uploads
 * keep being answered throughout.
 */
@HeavyTest
class AbuseTest {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @TempDir
    Path work;

    private Sink sink;
    private ChildRelay relay;
    private int port;

    /** The relay with one receiver and one writer; readTimeout short only where a test waits for it. */
    private void start(String readTimeout) throws Exception {
        start(readTimeout, "");
    }

    /** extra: more receiver parameters, one per line */
    private void start(String readTimeout, String extra) throws Exception {
        sink = Sink.start();
        port = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("AbuseTest/relay.yaml")
                        .with("port", port)
                        .with("readTimeout", readTimeout)
                        .with("extra", extra)
                        .with("sink.url", sink.url())
                        .yaml());
        relay = ChildRelay.start(work, port, "-Dpyroscope.relay.body-spool-dir=" + work.resolve("spool"));
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    private static byte[] body(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private HttpResponse<String> upload(String app, byte[] body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest?name=" + app))
                        .timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void assertHealthyAndBounded() throws Exception {
        Client.Response health = Client.get(relay.managementPort(), "/observe/health");
        assertEquals(200, health.status(), health.body());
        assertTrue(relay.process().isAlive());
        assertFalse(relay.log().contains("OutOfMemoryError"), relay.log());
        assertFalse(relay.log().contains("LEAK:"), "Netty reported a buffer leak:\n" + relay.log());
        long rss = relay.peakRssMiB();
        System.out.println("peak RSS of the relay: " + rss + " MiB");
        assertTrue(rss < 400, "peak RSS " + rss + " MiB with MaxRAM=512m");
    }

    private void assertSpoolEmpty() throws Exception {
        Path spool = work.resolve("spool");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (Files.isDirectory(spool)) {
            try (var files = Files.list(spool)) {
                if (files.findAny().isEmpty()) {
                    return;
                }
            }
            if (System.nanoTime() > end) {
                try (var files = Files.list(spool)) {
                    throw new AssertionError("temporary body files left: " + files.toList());
                }
            }
            Thread.sleep(100);
        }
    }

    @Test
    void aBodyLargerThanTheHeapIsSpooledAndDeliveredByteExact() throws Exception {
        start("60s");
        byte[] huge = body(250 * 1024 * 1024, 250);
        HttpResponse<String> r = upload("huge.app", huge);
        assertEquals(200, r.statusCode(), r.body());
        Sink.Received got = sink.take();
        assertEquals(huge.length, got.body().length);
        assertArrayEquals(huge, got.body());
        assertEquals(Integer.toString(huge.length), got.header("Content-Length"));
        assertSpoolEmpty();
        assertHealthyAndBounded();
    }

    @Test
    void eightLargeUploadsAtOnceAreAllDeliveredOrRefusedWithRetryAfter() throws Exception {
        start("60s");
        List<byte[]> bodies = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            byte[] b = body(64 * 1024 * 1024, i);
            bodies.add(b);
            String app = "big" + i;
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return upload(app, b);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        Map<String, byte[]> delivered = new HashMap<>();
        int ok = 0;
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = answers.get(i).get(180, TimeUnit.SECONDS);
            if (r.statusCode() == 200) {
                ok++;
                delivered.put("big" + i, bodies.get(i));
            } else {
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "503 without Retry-After");
            }
        }
        assertEquals(ok, sink.count(), "exactly the uploads answered 200 reached the destination");
        for (Sink.Received got : sink.all()) {
            String app = got.rawQuery().replaceAll(".*name=([a-z0-9]+).*", "$1");
            assertArrayEquals(delivered.get(app), got.body(), "body of " + app + " delivered as sent");
        }
        System.out.println(ok + " of 8 uploads of 64 MiB delivered at once");
        assertTrue(ok >= 1);
        assertSpoolEmpty();
        assertHealthyAndBounded();
    }

    @Test
    void hangingAndStalledConnectionsDoNotStopSmallUploads() throws Exception {
        start("3s");
        List<Socket> sockets = new ArrayList<>();
        try {
            // 40 declare 200 MB and send 2 bytes; 2000 declare 1 MB and send half a kilobyte; then nothing
            for (int i = 0; i < 2040; i++) {
                Socket s = new Socket("127.0.0.1", port);
                sockets.add(s);
                long declared = i < 40 ? 200_000_000L : 1_000_000L;
                int sent = i < 40 ? 2 : 512;
                OutputStream out = s.getOutputStream();
                out.write(
                        ("POST /ingest?name=stall.app HTTP/1.1\r\nHost: x\r\nContent-Length: " + declared + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[sent]);
                out.flush();
            }
            // 10 never finish their request head (a slowloris)
            List<Socket> heads = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Socket s = new Socket("127.0.0.1", port);
                heads.add(s);
                s.getOutputStream()
                        .write("POST /ingest?name=slow HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            sockets.addAll(heads);
            // small uploads are still answered, promptly
            long slowest = 0;
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest?name=small.app"))
                                .timeout(Duration.ofSeconds(5))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3}))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                slowest = Math.max(slowest, System.nanoTime() - t0);
                assertEquals(200, r.statusCode(), r.body());
            }
            System.out.println("slowest small upload during the stall: " + slowest / 1_000_000 + " ms");
            assertEquals(20, sink.count(), "only the small uploads were forwarded");
            // after readTimeout (3 s) every stalled request is answered 408 and its connection closed
            int answered408 = 0;
            for (Socket s : heads) {
                s.setSoTimeout(10_000);
                assertEquals(-1, s.getInputStream().read(), "a request head that never ends: closed after readTimeout");
            }
            sockets.removeAll(heads);
            for (Socket s : sockets) {
                s.setSoTimeout(10_000);
                InputStream in = s.getInputStream();
                String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                if (head.equals("HTTP/1.1 408")) {
                    answered408++;
                }
                in.readAllBytes(); // returns at the close
            }
            assertEquals(sockets.size(), answered408, "every stalled request got 408");
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertEquals(20, sink.count(), "nothing of the stalled requests was forwarded");
        assertSpoolEmpty();
        assertHealthyAndBounded();
    }

    /**
     * The decoded APIs under the README's flags: a huge OTLP declaration and a gzip bomb refused, malformed requests
     * answered 400, 400 gRPC calls at once on h2c and 40 stalled ones (cut after readTimeout), while small uploads
     * keep going through; afterwards the relay is healthy, leak-free and within its memory.
     */
    @Test
    void otlpAndGrpcAbuseKeepsTheRelayServing() throws Exception {
        start("2s", "h2c: true");
        Client.Response huge = Client.raw(
                port,
                "POST /v1development/profiles HTTP/1.1\r\nHost: relay\r\nContent-Type: application/x-protobuf\r\n"
                        + "Content-Length: 200000000\r\n\r\n",
                new byte[16]);
        assertEquals(413, huge.status(), huge.body());
        java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped)) {
            gz.write(new byte[128 * 1024 * 1024]);
        }
        Client.Response bomb = Client.post(
                port,
                "/v1development/profiles",
                zipped.toByteArray(),
                Map.of("Content-Type", "application/x-protobuf", "Content-Encoding", "gzip"));
        assertEquals(413, bomb.status(), bomb.body());
        byte[] malformed = {(byte) 0xff, 1, 2};
        assertEquals(
                400,
                Client.post(
                                port,
                                "/v1development/profiles",
                                malformed,
                                Map.of("Content-Type", "application/x-protobuf"))
                        .status());
        assertEquals(
                400,
                Client.post(port, "/push.v1.PusherService/Push", malformed, Map.of("Content-Type", "application/proto"))
                        .status());

        io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                        "127.0.0.1", port)
                .usePlaintext()
                .build();
        try {
            List<CompletableFuture<io.grpc.Status>> stalled = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                var call = channel.newCall(GrpcTest.PUSH, io.grpc.CallOptions.DEFAULT);
                CompletableFuture<io.grpc.Status> closed = new CompletableFuture<>();
                call.start(
                        new io.grpc.ClientCall.Listener<>() {
                            @Override
                            public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
                                closed.complete(status);
                            }
                        },
                        new io.grpc.Metadata());
                call.request(1);
                call.sendMessage(GrpcTest.push()); // and never half-closed
                stalled.add(closed);
            }
            var many = new ArrayList<com.google.common.util.concurrent.ListenableFuture<?>>();
            for (int i = 0; i < 400; i++) {
                many.add(io.grpc.stub.ClientCalls.futureUnaryCall(
                        channel.newCall(
                                GrpcTest.PUSH, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
                        GrpcTest.push()));
            }
            long t0 = System.nanoTime();
            assertEquals(200, upload("small.app", body(50_000, 1)).statusCode());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "a small upload waited too long");
            for (var f : many) {
                f.get(60, TimeUnit.SECONDS);
            }
            for (CompletableFuture<io.grpc.Status> c : stalled) {
                assertEquals(
                        io.grpc.Status.Code.DEADLINE_EXCEEDED,
                        c.get(30, TimeUnit.SECONDS).getCode());
            }
        } finally {
            channel.shutdownNow();
        }
        assertEquals(401, sink.count(), "400 gRPC pushes and one upload; nothing of the refused ones");
        assertHealthyAndBounded();
    }
}
