package dev.pyroscoperelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.support.ChildRelay;
import dev.pyroscoperelay.support.Client;
import dev.pyroscoperelay.support.DebugInfoServer;
import dev.pyroscoperelay.support.HeavyTest;
import dev.pyroscoperelay.support.Relay;
import dev.pyroscoperelay.support.RouteFile;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debug-info uploads as an eBPF profiler sends them, to a relay run with the README's JVM flags in a JVM of its own:
 * a 200 MB executable streams through the body budget (spooled, never whole in memory) to the first destination byte
 * for byte, a slow one may take longer than readTimeout but not than debugInfoUploadTimeout.
 */
@HeavyTest
class DebugInfoUploadTest {
    private static final String UPLOAD = "/debuginfo.v1alpha1.DebuginfoService/Upload/";

    @TempDir
    Path work;

    private DebugInfoServer first;
    private DebugInfoServer second;
    private ChildRelay relay;
    private int port;
    private int slowPort;
    private final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        first = DebugInfoServer.start();
        second = DebugInfoServer.start();
        port = Relay.freePort();
        slowPort = Relay.freePort();
        Relay.writeRoute(
                work,
                "relay.yaml",
                RouteFile.of("DebugInfoUploadTest/relay.yaml")
                        .with("port", port)
                        .with("slowPort", slowPort)
                        .with("first.url", first.url())
                        .with("second.url", second.url())
                        .yaml());
        relay = ChildRelay.start(work, port, "-Dpyroscope.relay.body-spool-dir=" + work.resolve("spool"));
    }

    @AfterEach
    void stop() throws Exception {
        if (relay != null) {
            relay.close();
        }
        first.close();
        second.close();
    }

    /** A file of {@code size} pseudo-random bytes, sent in chunks with {@code pauseMillis} between them. */
    private static final class File extends InputStream {
        /** A pause comes before each chunk of this many bytes. */
        private static final int CHUNK = 64 * 1024;

        private final SplittableRandom random = new SplittableRandom(42);
        private final MessageDigest sha;
        private final long size;
        private final long pauseMillis;
        private long sent;

        File(long size, long pauseMillis) throws Exception {
            this.size = size;
            this.pauseMillis = pauseMillis;
            this.sha = MessageDigest.getInstance("SHA-256");
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (sent == size) {
                return -1;
            }
            if (pauseMillis > 0 && sent % CHUNK == 0) {
                try {
                    Thread.sleep(pauseMillis); // the pace is what the test is about
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int n = (int) Math.min(Math.min(len, CHUNK - sent % CHUNK), size - sent);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) random.nextInt(256);
            }
            sha.update(b, off, n);
            sent += n;
            return n;
        }

        String expected() {
            return HexFormat.of().formatHex(sha.digest()) + " " + size;
        }
    }

    private HttpResponse<String> upload(int port, String buildId, File file) throws Exception {
        try {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + UPLOAD + buildId))
                            .timeout(Duration.ofMinutes(2))
                            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> file))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException(e.getMessage() + "; the relay's log:\n" + relay.log(), e);
        }
    }

    @Test
    void a200MegabyteUploadArrivesByteForByteWithinTheMemoryBounds() throws Exception {
        File file = new File(200L * 1024 * 1024, 0);
        HttpResponse<String> r = upload(port, "big", file);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(file.expected(), first.uploaded("big"));
        assertEquals(List.of(), second.calls());
        assertSpoolEmpty();
        assertTrue(relay.process().isAlive());
        assertFalse(relay.log().contains("OutOfMemoryError"), relay.log());
        long rss = relay.peakRssMiB();
        System.out.println("peak RSS of the relay after a 200 MB debug-info upload: " + rss + " MiB");
        assertTrue(rss < 400, "peak RSS " + rss + " MiB with MaxRAM=512m");
        // profiles still reach both destinations
        assertEquals(
                200,
                Client.post(port, "/ingest?name=app", new byte[] {1}, java.util.Map.of())
                        .status());
        assertEquals(List.of("Upload", "other"), first.calls());
        assertEquals(List.of("other"), second.calls());
    }

    @Test
    void aSlowUploadMayTakeLongerThanReadTimeoutButNotThanDebugInfoUploadTimeout() throws Exception {
        // 2 s, twice readTimeout and clientTimeout: delivered
        File slow = new File(20 * 64 * 1024, 100);
        HttpResponse<String> r = upload(slowPort, "slow", slow);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(slow.expected(), first.uploaded("slow"));
        // 8 s, twice debugInfoUploadTimeout: cut, nothing forwarded
        HttpResponse<String> tooSlow = upload(slowPort, "tooslow", new File(40 * 64 * 1024, 200));
        assertEquals(408, tooSlow.statusCode(), tooSlow.body());
        assertTrue(tooSlow.body().contains("debugInfoUploadTimeout"), tooSlow.body());
        assertEquals(null, first.uploaded("tooslow"));
        assertSpoolEmpty();
        assertEquals(200, Client.get(relay.managementPort(), "/observe/health").status());
    }

    private void assertSpoolEmpty() throws Exception {
        Path spool = work.resolve("spool");
        dev.pyroscoperelay.support.Await.until("temporary body files deleted", Duration.ofSeconds(10), () -> {
            if (!Files.isDirectory(spool)) {
                return true;
            }
            try (var files = Files.list(spool)) {
                return files.findAny().isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
    }
}
