package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.proto.rpc.Status;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.PartialSuccess;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of {@code kamelet:pyroscope-receive}: the client's answer, from the writers' outcomes.
 * Never a 200 when a destination failed; a retryable failure wins over a 4xx so that the SDK sends again.
 */
public class ClientAnswer implements Processor {
    /** The one header of the answer besides Content-Type. */
    static final String RETRY_AFTER = "Retry-After";

    /** Message header with the reason of a failed answer, for a gRPC status message (never sent over HTTP). */
    static final String REASON = "pyroscope.relay.reason";

    private static final Logger LOG = LoggerFactory.getLogger(ClientAnswer.class);

    @Override
    public void process(Exchange exchange) {
        ReceiverApi api = exchange.getProperty(RelayNames.API_PROPERTY, ReceiverApi.class);
        boolean push = api == ReceiverApi.PUSH;
        boolean otlp = api == ReceiverApi.OTLP;
        String pushContentType =
                exchange.getProperty(UploadReader.RESPONSE_CONTENT_TYPE, "application/proto", String.class);
        Exception caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (caught == null) {
            caught = exchange.getException();
        }
        exchange.setException(null);
        Message out = exchange.getMessage();
        out.getHeaders().clear();
        if (caught != null) {
            InvalidProfileException invalid = findInvalid(caught);
            if (invalid != null) {
                if (push && invalid.status() != 415) {
                    connectError(out, ConnectCodes.forStatus(invalid.status()), invalid.getMessage());
                } else if (otlp) {
                    otlpError(out, pushContentType, invalid.status(), invalid.getMessage());
                } else {
                    answer(out, invalid.status(), invalid.getMessage());
                }
            } else {
                LOG.error("route of receiver failed: {}", caught.toString());
                if (push) {
                    connectError(out, "internal", "relay route failed: " + caught.getMessage());
                } else if (otlp) {
                    otlpError(out, pushContentType, 500, "relay route failed: " + caught.getMessage());
                } else {
                    answer(out, 500, "relay route failed: " + caught.getMessage());
                }
            }
            return;
        }
        RelayExchange relay = RelayExchange.of(exchange);
        List<WriteOutcome> outcomes =
                relay == null ? List.of() : relay.outcomes().inRouteOrder();
        WriteOutcome chosen = null;
        StringBuilder reasons = new StringBuilder();
        for (WriteOutcome o : outcomes) {
            if (o.ok()) {
                continue;
            }
            reasons.append("writer \"")
                    .append(o.writer())
                    .append("\": ")
                    .append(o.detail())
                    .append('\n');
            if (chosen == null || (o.retryable() && !chosen.retryable())) {
                chosen = o;
            }
        }
        if (chosen == null) {
            out.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
            if (otlp) {
                // an ExportProfilesServiceResponse: empty, or with the destinations' partial successes
                List<PartialSuccess> partial = new ArrayList<>();
                for (WriteOutcome o : outcomes) {
                    if (o.partial() != null) {
                        partial.add(new PartialSuccess(
                                o.partial().rejectedProfiles(),
                                "writer \"" + o.writer() + "\": " + o.partial().errorMessage()));
                    }
                }
                out.setHeader(Exchange.CONTENT_TYPE, pushContentType);
                out.setBody(PartialSuccess.response(partial, pushContentType.equals("application/json")));
            } else if (push) {
                // an empty PushResponse
                out.setHeader(Exchange.CONTENT_TYPE, pushContentType);
                out.setBody(
                        pushContentType.equals("application/json")
                                ? "{}".getBytes(StandardCharsets.UTF_8)
                                : new byte[0]);
            } else {
                out.setBody(new byte[0]);
            }
            return;
        }
        if (push) {
            connectError(out, ConnectCodes.forOutcome(chosen), reasons.toString());
        } else if (otlp) {
            otlpError(out, pushContentType, statusFor(chosen), reasons.toString());
        } else {
            answer(out, statusFor(chosen), reasons.toString());
        }
    }

    /** The /ingest status for a failed writer (docs/behaviour.md section 2). */
    static int statusFor(WriteOutcome o) {
        return switch (o.kind()) {
            case TIMEOUT -> 504;
            case SERVER_ERROR -> o.status() == 503 ? 503 : 502;
            case UNREACHABLE -> 502;
            case REJECTED, INVALID -> o.status() >= 400 && o.status() < 500 ? o.status() : 502;
            case OK -> 200;
        };
    }

    private static InvalidProfileException findInvalid(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InvalidProfileException ipe) {
                return ipe;
            }
        }
        return null;
    }

    private static void connectError(Message out, String code, String message) {
        out.setHeader(REASON, message.strip());
        retryAfterOn503(out, ConnectCodes.statusOf(code));
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, ConnectCodes.statusOf(code));
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        out.setBody(ConnectCodes.errorJson(code, message).getBytes(StandardCharsets.UTF_8));
    }

    /** OTLP/HTTP: an error is a google.rpc.Status in the request's encoding; 429/502/503/504 are retried by clients. */
    private static void otlpError(Message out, String contentType, int status, String message) {
        out.setHeader(REASON, message.strip());
        retryAfterOn503(out, status);
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, contentType);
        Status s = Status.newBuilder()
                .setCode(ConnectCodes.grpcNumber(ConnectCodes.forStatus(status)))
                .setMessage(message.strip())
                .build();
        if (contentType.equals("application/json")) {
            out.setBody(ConnectCodes.statusJson(s.getCode(), s.getMessage()).getBytes(StandardCharsets.UTF_8));
        } else {
            out.setBody(s.toByteArray());
        }
    }

    /** A 503 asks the client to come back later (a full buffer, an unavailable destination). */
    private static void retryAfterOn503(Message out, int status) {
        if (status == 503) {
            out.setHeader(RETRY_AFTER, RawBodyHandler.RETRY_AFTER_SECONDS);
        }
    }

    private static void answer(Message out, int status, String text) {
        out.setHeader(REASON, text.strip());
        retryAfterOn503(out, status);
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, "text/plain; charset=utf-8");
        out.setBody(text.endsWith("\n") ? text : text + "\n");
    }
}
