package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.DebugInfoCall;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A writer's part in a debug-info call: forwarded once, by the first writer of the route with debugInfo on
 * ({@link DebugInfoWriters}), and the destination's answer goes back as it is; every other writer skips it (no
 * outcome, nothing counted). No buffer, no retry: the profiler tries again itself.
 */
final class DebugInfoForward {
    private static final Logger LOG = LoggerFactory.getLogger(DebugInfoForward.class);

    private DebugInfoForward() {}

    /** As an asynchronous processor answers: true when {@code callback} was called already. */
    static boolean send(
            PyroscopeWriter writer,
            DestinationClient c,
            RelayExchange relay,
            DebugInfoCall call,
            Exchange exchange,
            AsyncCallback callback) {
        if (!c.settings.debugInfo().on()
                || !DebugInfoWriters.of(exchange.getContext())
                        .takes(exchange.getProperty(RelayNames.RECEIVING_ROUTE_PROPERTY, String.class), writer)) {
            callback.done(true);
            return true;
        }
        OutgoingRequest request = call.toDestination(java.util.Map.of());
        String tenant = c.settings.tenantId() != null
                ? c.settings.tenantId()
                : exchange.getMessage().getHeader(RelayNames.TENANT_HEADER, String.class);
        boolean upload = call.method().equals("Upload");
        long limit = upload ? c.settings.debugInfo().uploadTimeoutMillis() : c.settings.remoteTimeoutMillis();
        writer.withCredentials(
                c,
                relay,
                call,
                request,
                callback,
                authorization -> new Delivery(
                                c,
                                request,
                                tenant,
                                authorization,
                                relay.deadlineNanos(),
                                true,
                                (kind, status, attempts, detail, retryAfter, partial) -> {
                                    c.metrics.debugInfo(call.method(), kind == Kind.OK ? "ok" : "failed");
                                    if (relay.passedOn() == null) {
                                        // no answer to pass on (unreachable, timed out): the client gets the relay's
                                        writer.record(c, relay, call, 0, kind, status, attempts, detail);
                                    } else if (kind != Kind.OK) {
                                        LOG.warn(
                                                "debug-info {} failed: writer={} url={} status={} reason=\"{}\"",
                                                call.method(),
                                                writer.writerName(),
                                                c.settings.safeUrl(),
                                                status,
                                                detail);
                                    }
                                    callback.done(false);
                                })
                        .passingAnswerTo(relay::passOn, limit)
                        .start());
        return false;
    }
}
