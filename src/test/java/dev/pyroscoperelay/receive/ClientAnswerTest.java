package dev.pyroscoperelay.receive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.pyroscoperelay.api.IngestApi;
import dev.pyroscoperelay.api.OtlpApi;
import dev.pyroscoperelay.api.PushApi;
import dev.pyroscoperelay.proto.rpc.Status;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.WriteOutcome;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import java.nio.charset.StandardCharsets;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client's answer from the writers' outcomes, in each API's form (the processor on real exchanges). */
class ClientAnswerTest {
    private static DefaultCamelContext context;

    @BeforeAll
    static void start() {
        context = new DefaultCamelContext();
        context.start();
    }

    @AfterAll
    static void stop() {
        context.stop();
    }

    private static Exchange answered(UploadApi api, String requestType, Exception caught, WriteOutcome... outcomes) {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(RelayNames.API_PROPERTY, api);
        exchange.setProperty(UploadReader.RESPONSE_CONTENT_TYPE, api.responseContentType(requestType));
        RelayExchange relay = new RelayExchange(System.nanoTime());
        for (WriteOutcome o : outcomes) {
            relay.outcomes().add(o);
        }
        exchange.setProperty(RelayExchange.PROPERTY, relay);
        exchange.setProperty(Exchange.EXCEPTION_CAUGHT, caught);
        new ClientAnswer().process(exchange);
        return exchange;
    }

    private static int status(Exchange e) {
        return e.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
    }

    private static String text(Exchange e) {
        return new String(e.getMessage().getBody(byte[].class), StandardCharsets.UTF_8);
    }

    private static WriteOutcome outcome(String writer, int order, Kind kind, int status) {
        return new WriteOutcome(writer, order, kind, status, 1, "HTTP " + status);
    }

    @ParameterizedTest(name = "{0} {1}: ingest {2}, push {3} {4}")
    @CsvSource({
        "TIMEOUT, 0, 504, 504, deadline_exceeded",
        "SERVER_ERROR, 500, 502, 503, unavailable",
        "SERVER_ERROR, 503, 503, 503, unavailable",
        "UNREACHABLE, 0, 502, 503, unavailable",
        "REJECTED, 400, 400, 400, invalid_argument",
        "REJECTED, 429, 429, 429, resource_exhausted",
        "REJECTED, 401, 401, 401, unauthenticated",
        "INVALID, 400, 400, 400, invalid_argument",
        "INVALID, 0, 502, 503, unavailable"
    })
    void aFailedWriterInEachApisForm(Kind kind, int status, int ingest, int push, String connect) throws Exception {
        WriteOutcome failed = outcome("prod", 1, kind, status);
        Exchange i = answered(IngestApi.API, null, null, failed);
        assertEquals(ingest, status(i));
        assertTrue(text(i).startsWith("writer \"prod\": HTTP " + status), text(i));
        assertEquals(ingest == 503 ? "5" : null, i.getMessage().getHeader(ClientAnswer.RETRY_AFTER));

        Exchange p = answered(PushApi.API, "application/proto", null, failed);
        assertEquals(push, status(p));
        assertEquals("application/json", p.getMessage().getHeader(Exchange.CONTENT_TYPE));
        assertTrue(text(p).startsWith("{\"code\":\"" + connect + "\""), text(p));

        Exchange o = answered(OtlpApi.API, "application/x-protobuf", null, failed);
        assertEquals(ingest, status(o));
        Status s = Status.parseFrom(o.getMessage().getBody(byte[].class));
        assertEquals("writer \"prod\": HTTP " + status, s.getMessage());
    }

    @Test
    void aRetryableFailureWinsOverARejection() {
        Exchange e = answered(
                IngestApi.API,
                null,
                null,
                outcome("a", 1, Kind.REJECTED, 400),
                outcome("b", 2, Kind.SERVER_ERROR, 503),
                outcome("c", 3, Kind.OK, 200));
        assertEquals(503, status(e));
        assertTrue(text(e).contains("writer \"a\"") && text(e).contains("writer \"b\""), text(e));
    }

    @Test
    void everyDestinationTookItSuccessInEachApisForm() throws InvalidProtocolBufferException {
        WriteOutcome ok = outcome("a", 1, Kind.OK, 200);
        Exchange i = answered(IngestApi.API, null, null, ok);
        assertEquals(200, status(i));
        assertEquals("", text(i));
        Exchange pj = answered(PushApi.API, "application/json; charset=utf-8", null, ok);
        assertEquals(200, status(pj));
        assertEquals("{}", text(pj));
        assertEquals("application/json", pj.getMessage().getHeader(Exchange.CONTENT_TYPE));
        Exchange o = answered(OtlpApi.API, "application/x-protobuf", null, ok);
        assertEquals(200, status(o));
        assertTrue(ExportProfilesServiceResponse.parseFrom(o.getMessage().getBody(byte[].class))
                .getPartialSuccess()
                .getErrorMessage()
                .isEmpty());
    }

    @Test
    void invalidRequestsAreRefusedInEachApisForm() {
        InvalidProfileException bad = new InvalidProfileException("missing name");
        Exchange i = answered(IngestApi.API, null, bad);
        assertEquals(400, status(i));
        assertEquals("missing name\n", text(i));
        Exchange p = answered(PushApi.API, "application/proto", bad);
        assertEquals(400, status(p));
        assertEquals("{\"code\":\"invalid_argument\",\"message\":\"missing name\"}", text(p));
        // Connect: an unsupported media type is plain HTTP
        Exchange p415 = answered(PushApi.API, "text/plain", new InvalidProfileException(415, "unsupported"));
        assertEquals(415, status(p415));
        assertEquals("unsupported\n", text(p415));
        Exchange oj = answered(OtlpApi.API, "application/json", bad);
        assertEquals(400, status(oj));
        assertEquals("{\"code\":3,\"message\":\"missing name\"}", text(oj));
    }

    @Test
    void aFailedRouteIs500AndNamesTheCause() {
        Exchange e = answered(IngestApi.API, null, new IllegalStateException("boom"));
        assertEquals(500, status(e));
        assertEquals("relay route failed: boom\n", text(e));
        assertNull(e.getException());
    }
}
