package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.api.IngestApi;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.ClientReply;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.WriteOutcome;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of {@code kamelet:pyroscope-receive}: the client's answer, from the writers' outcomes, in the form of the
 * request's API. Never a 200 when a destination failed; a retryable failure wins over a 4xx so that the SDK sends
 * again.
 */
public class ClientAnswer implements Processor {
    /** The one header of the answer besides Content-Type. */
    static final String RETRY_AFTER = "Retry-After";

    /** Message header with the reason of a failed answer, for a gRPC status message (never sent over HTTP). */
    static final String REASON = "pyroscope.relay.reason";

    private static final Logger LOG = LoggerFactory.getLogger(ClientAnswer.class);

    @Override
    public void process(Exchange exchange) {
        UploadApi api = exchange.getProperty(RelayNames.API_PROPERTY, IngestApi.API, UploadApi.class);
        String responseType =
                exchange.getProperty(UploadReader.RESPONSE_CONTENT_TYPE, api.responseContentType(null), String.class);
        Exception caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (caught == null) {
            caught = exchange.getException();
        }
        exchange.setException(null);
        Message out = exchange.getMessage();
        out.getHeaders().clear();
        write(out, reply(api, responseType, caught, RelayExchange.of(exchange)));
    }

    private static ClientReply reply(UploadApi api, String responseType, Exception caught, RelayExchange relay) {
        if (caught != null) {
            InvalidProfileException invalid = findInvalid(caught);
            if (invalid != null) {
                return api.refused(invalid.status(), invalid.getMessage(), responseType);
            }
            LOG.error("route of receiver failed: {}", caught.toString());
            return api.refused(500, "relay route failed: " + caught.getMessage(), responseType);
        }
        List<WriteOutcome> outcomes =
                relay == null ? List.of() : relay.outcomes().inRouteOrder();
        if (api.oneDestination()) {
            ClientReply passedOn = relay == null ? null : relay.passedOn();
            if (passedOn != null) {
                return passedOn; // the destination's answer, as it is
            }
            if (outcomes.isEmpty()) {
                return api.refused(
                        503,
                        "no destination takes " + api.name() + " calls: no pyroscope-write of this route has "
                                + "debugInfo on (a Kafka sink does not carry them)",
                        responseType);
            }
        }
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
        return chosen == null
                ? api.accepted(outcomes, responseType)
                : api.refused(statusFor(chosen), reasons.toString(), responseType);
    }

    /** The HTTP status for a failed writer (docs/behaviour.md section 2); each API maps it to its own codes. */
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

    private static void write(Message out, ClientReply reply) {
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, reply.status());
        if (reply.contentType() != null) {
            out.setHeader(Exchange.CONTENT_TYPE, reply.contentType());
        }
        if (!reply.reason().isEmpty()) {
            out.setHeader(REASON, reply.reason());
        }
        if (reply.status() == 503) {
            // a full buffer, an unavailable destination: the client is asked to come back later
            out.setHeader(RETRY_AFTER, RawBodyHandler.RETRY_AFTER_SECONDS);
        }
        out.setBody(reply.body());
    }
}
