package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pyroscoperelay.api.IngestApi;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayVertx;
import dev.pyroscoperelay.support.Sink;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.UploadBody;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One delivery with the writer's retry policy, against a real destination on loopback. */
class DeliveryTest {
    private final DefaultCamelContext context = new DefaultCamelContext();
    private Sink sink;
    private DestinationClient client;

    record Result(Kind kind, int status, int attempts, String detail, long retryAfter) {}

    private Result deliver(long deadlineMillis, Consumer<WriterParameters> set, Sink.Answer... answers)
            throws Exception {
        return deliver(deadlineMillis, set, n -> n <= answers.length ? answers[n - 1] : Sink.Answer.status(200));
    }

    private Result deliver(long deadlineMillis, Consumer<WriterParameters> set, IntFunction<Sink.Answer> script)
            throws Exception {
        sink = Sink.start().answering(script);
        WriterParameters p = new WriterParameters();
        p.setUrl(sink.url() + "/base");
        p.setMinBackoffPeriod("10ms");
        p.setMaxBackoffPeriod("20ms");
        p.setRemoteTimeout("1s");
        set.accept(p);
        client = DestinationClient.open(
                WriterSettings.of(p, "unit"), RelayMetrics.of(context).writer("unit"), RelayVertx.of(context));
        OutgoingRequest request = new OutgoingRequest(
                IngestApi.API,
                "/ingest?name=app",
                UploadBody.inMemory(new byte[] {7}),
                "application/octet-stream",
                null,
                Map.of());
        CompletableFuture<Result> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis);
        client.vertx.runOnContext(v -> new Delivery(
                        client,
                        request,
                        "tenant-a",
                        "Bearer secret",
                        deadline,
                        (kind, status, attempts, detail, retryAfter, partial) ->
                                done.complete(new Result(kind, status, attempts, detail, retryAfter)))
                .start());
        return done.get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @Test
    void retryableAnswersAreRetriedUntilAccepted() throws Exception {
        Result r = deliver(10_000, p -> {}, Sink.Answer.status(503), Sink.Answer.status(502));
        assertEquals(Kind.OK, r.kind(), r.toString());
        assertEquals(3, r.attempts());
        Sink.Received got = sink.all().get(2);
        assertEquals("/base/ingest", got.path(), "the URL's path is a prefix");
        assertEquals("Bearer secret", got.header("Authorization"));
        assertEquals("tenant-a", got.header("X-Scope-OrgID"));
    }

    @Test
    void aClientErrorIsNotRetried() throws Exception {
        Result r = deliver(10_000, p -> {}, Sink.Answer.status(400));
        assertEquals(Kind.REJECTED, r.kind(), r.toString());
        assertEquals(400, r.status());
        assertEquals(1, r.attempts());
    }

    @Test
    void tooManyRequestsIsRetriedOnlyWhenAsked() throws Exception {
        Result refused = deliver(10_000, p -> p.setRetryOnHttp429(false), Sink.Answer.status(429));
        assertEquals(1, refused.attempts(), refused.toString());
        close();
        Result retried = deliver(10_000, p -> p.setRetryOnHttp429(true), Sink.Answer.status(429));
        assertEquals(Kind.OK, retried.kind(), retried.toString());
        assertEquals(2, retried.attempts());
    }

    @Test
    void theRetriesStopAtMaxBackoffRetries() throws Exception {
        Result r = deliver(10_000, p -> p.setMaxBackoffRetries(3), n -> Sink.Answer.status(503));
        assertEquals(3, r.attempts(), r.toString());
        assertEquals(503, r.status());
        assertEquals(3, sink.count());
    }

    @Test
    void aHungDestinationEndsWithinTheDeadline() throws Exception {
        Result r = deliver(1_500, p -> p.setRemoteTimeout("10s"), new Sink.Answer(200, 10_000, Map.of()));
        assertEquals(Kind.TIMEOUT, r.kind(), "ended by the client's deadline, not the destination: " + r);
    }
}
