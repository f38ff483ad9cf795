package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.api.IngestApi;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayVertx;
import dev.pyroscoperelay.support.Await;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.UploadBody;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A buffered writer's delivery against a real destination on loopback: sent from memory when the destination is
 * quick, stored while it is slow, stored and sent again when it fails; every profile arrives once and the buffer ends
 * empty.
 */
class BufferedDeliveryTest {
    @TempDir
    Path dir;

    private final DefaultCamelContext context = new DefaultCamelContext();
    private Sink sink;
    private DestinationClient client;
    private BufferedDelivery buffer;

    private void open(Sink.Answer... answers) throws Exception {
        sink = Sink.start().answering(n -> n <= answers.length ? answers[n - 1] : Sink.Answer.status(200));
        WriterParameters p = new WriterParameters();
        p.setUrl(sink.url());
        p.setBufferPath(dir.resolve("buffer").toString());
        p.setMinBackoffPeriod("50ms");
        p.setMaxBackoffPeriod("100ms");
        WriterSettings settings = WriterSettings.of(p, "unit");
        RelayMetrics.Writer metrics = RelayMetrics.of(context).writer("unit");
        client = DestinationClient.open(settings, metrics, RelayVertx.of(context));
        buffer = BufferedDelivery.open(settings.buffer(), client, () -> null, metrics);
    }

    @AfterEach
    void close() {
        if (buffer != null) {
            buffer.close();
        }
        if (client != null) {
            client.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    private static OutgoingRequest request(String name) {
        return new OutgoingRequest(
                IngestApi.API,
                "/ingest?name=" + name,
                UploadBody.inMemory(new byte[] {1, 2, 3}),
                "application/octet-stream",
                null,
                Map.of());
    }

    private long filesIn(String folder) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("buffer").resolve(folder))) {
            return files.count();
        }
    }

    private void awaitEmpty() throws Exception {
        Await.until("the buffer is empty", Duration.ofSeconds(20), () -> {
            try {
                return filesIn("new") + filesIn("cur") == 0;
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    void aQuickDestinationGetsTheProfileFromMemory() throws Exception {
        open();
        buffer.accept(request("quick"), null, 1).get(10, TimeUnit.SECONDS);
        assertEquals("/ingest", sink.take().path());
        awaitEmpty();
        assertEquals(1, sink.count());
    }

    @Test
    void aSlowDestinationIsAnsweredOnceTheProfileIsOnDiskAndGetsItOnce() throws Exception {
        open(new Sink.Answer(200, 1500, Map.of()));
        CompletableFuture<Void> safe = buffer.accept(request("slow"), null, 1);
        // safe (synced on disk, as being sent) long before the destination answers
        safe.get(1, TimeUnit.SECONDS);
        assertEquals(1, filesIn("cur"), "stored as being sent: a crash now sends it again");
        awaitEmpty();
        assertEquals(1, sink.count(), "sent once: the stored copy is not sent a second time");
    }

    @Test
    void aFailingDestinationGetsTheProfileAgainFromDiskOnceItRecovers() throws Exception {
        open(Sink.Answer.status(503), Sink.Answer.status(503));
        buffer.accept(request("retry"), null, 1).get(10, TimeUnit.SECONDS);
        awaitEmpty();
        Await.until("delivered after two 503s", Duration.ofSeconds(20), () -> sink.count() == 3);
        assertTrue(sink.all().stream().allMatch(r -> r.rawQuery().equals("name=retry")));
    }

    @Test
    void aRefusedProfileIsDroppedNotRetried() throws Exception {
        open(Sink.Answer.status(400));
        buffer.accept(request("bad"), null, 1).get(10, TimeUnit.SECONDS);
        awaitEmpty();
        assertFalse(sink.poll(5000) == null, "sent once");
        assertTrue(sink.poll(500) == null, "a 400 is not retried (the backoff here is 50-100 ms)");
    }
}
