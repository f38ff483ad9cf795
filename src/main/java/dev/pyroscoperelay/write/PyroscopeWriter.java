package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.KameletStepComponent;
import dev.pyroscoperelay.runtime.PerContext;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.runtime.RelayVertx;
import dev.pyroscoperelay.runtime.UserRouteId;
import dev.pyroscoperelay.upload.DebugInfoCall;
import dev.pyroscoperelay.upload.ExternalLabels;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.NothingLeft;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.WriteOutcome;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor behind {@code kamelet:pyroscope-write}: sends the exchange's {@link ProfileUpload} to one Pyroscope
 * server with this writer's labels, auth and retry policy ({@link Delivery}), and records the outcome for the
 * receiver's answer. It never throws for a failed destination, so one failing writer never stops the others of a
 * multicast.
 */
public class PyroscopeWriter extends AsyncProcessorSupport
        implements CamelContextAware, KameletStepComponent.ParameterizedStep {
    private static final Logger LOG = LoggerFactory.getLogger(PyroscopeWriter.class);
    /** Route order of the writers, for the client's answer: the order in which its context created them. */
    private int order;

    /** The writers of one CamelContext, counted as they are created. */
    static final class Order extends AtomicInteger {}

    private final WriterParameters parameters = new WriterParameters();
    private CamelContext camelContext;
    private volatile DestinationClient client;
    /** With bufferPath: the store on disk and its background delivery. */
    private volatile BufferedDelivery buffer;

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        DestinationClient c;
        try {
            c = client();
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        RelayExchange relay = RelayExchange.of(exchange);
        ProfileUpload upload = exchange.getMessage().getBody(ProfileUpload.class);
        if (relay == null || upload == null) {
            exchange.setException(new IllegalStateException(
                    "pyroscope-write \"" + writerName() + "\" must be reached from a kamelet:pyroscope-receive route"));
            callback.done(true);
            return true;
        }
        if (upload instanceof DebugInfoCall call) {
            return DebugInfoForward.send(this, c, relay, call, exchange, callback);
        }
        if (upload instanceof NothingLeft) {
            // relabel rules dropped every series: nothing to send, and nothing failed
            relay.outcomes()
                    .add(new WriteOutcome(writerName(), order, Kind.OK, 200, 0, "nothing left after relabel rules"));
            callback.done(true);
            return true;
        }
        OutgoingRequest request;
        try {
            request = upload.toDestination(ExternalLabels.from(exchange.getMessage()));
        } catch (InvalidProfileException e) {
            record(c, relay, upload, upload.receivedBytes(), Kind.INVALID, e.status(), 0, e.getMessage());
            callback.done(true);
            return true;
        }
        String tenant = c.settings.tenantId() != null
                ? c.settings.tenantId()
                : exchange.getMessage().getHeader(RelayNames.TENANT_HEADER, String.class);
        BufferedDelivery b = buffer;
        if (b != null) {
            storeThenAnswer(b, c, relay, upload, request, tenant, callback);
            return false;
        }
        withCredentials(
                c,
                relay,
                upload,
                request,
                callback,
                authorization -> new Delivery(
                                c,
                                request,
                                tenant,
                                authorization,
                                relay.deadlineNanos(),
                                (kind, status, attempts, detail, retryAfter, partial) -> {
                                    Outcomes.record(
                                            c,
                                            relay,
                                            upload,
                                            request.body().length(),
                                            new WriteOutcome(
                                                    writerName(), order, kind, status, attempts, detail, partial));
                                    callback.done(false);
                                })
                        .start());
        return false;
    }

    /** Records an outcome of this writer (see {@link Outcomes#record}). */
    void record(
            DestinationClient c,
            RelayExchange relay,
            ProfileUpload upload,
            long bytes,
            Kind kind,
            int status,
            int attempts,
            String detail) {
        Outcomes.record(c, relay, upload, bytes, new WriteOutcome(writerName(), order, kind, status, attempts, detail));
    }

    /**
     * With a buffer, the writer succeeds once the profile is on disk (synced); the buffer delivers it later. A full
     * buffer (bufferWhenFull reject) or a disk error is a retryable failure: the client gets 503 with Retry-After.
     */
    private void storeThenAnswer(
            BufferedDelivery b,
            DestinationClient c,
            RelayExchange relay,
            ProfileUpload upload,
            OutgoingRequest request,
            String tenant,
            AsyncCallback callback) {
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        b.accept(request, tenant, upload.profileCount()).whenComplete((stored, error) -> {
            Runnable answer = () -> {
                if (error == null) {
                    relay.outcomes()
                            .add(new WriteOutcome(writerName(), order, Kind.OK, 200, 0, "stored in the buffer"));
                } else {
                    Throwable cause = error.getCause() == null ? error : error.getCause();
                    boolean full = cause instanceof ProfileStore.FullException;
                    c.metrics.dropped(
                            full ? "full" : "server_error", request.body().length(), upload.profileCount());
                    String detail = (full ? "" : "cannot store the profile: ") + cause.getMessage();
                    relay.outcomes().add(new WriteOutcome(writerName(), order, Kind.SERVER_ERROR, 503, 0, detail));
                    LOG.warn(
                            "forward failed: writer={} url={} result=SERVER_ERROR status=503 reason=\"{}\"",
                            writerName(),
                            c.settings.safeUrl(),
                            detail);
                }
                callback.done(false);
            };
            // the answer goes out from the request's event loop, as for every other writer
            if (context != null) {
                context.runOnContext(v -> answer.run());
            } else {
                answer.run();
            }
        });
    }

    /**
     * Starts {@code send} with the writer's Authorization header, at once when it is at hand (a fixed value, a file,
     * a cached token), else once an OAuth2 token is fetched. Without credentials the writer fails retryably: the SDK
     * is told which of the writer's parameters failed, not the secret.
     */
    void withCredentials(
            DestinationClient c,
            RelayExchange relay,
            ProfileUpload upload,
            OutgoingRequest request,
            AsyncCallback callback,
            java.util.function.Consumer<String> send) {
        // a header at hand (a fixed value, a file, a cached token) is sent at once: onComplete of a completed future
        // runs here and now
        c.credentials.next().onComplete(r -> {
            if (r.succeeded()) {
                send.accept(r.result());
                return;
            }
            LOG.error("pyroscope-write \"{}\": {}", writerName(), r.cause().getMessage());
            record(
                    c,
                    relay,
                    upload,
                    request.body().length(),
                    Kind.SERVER_ERROR,
                    503,
                    0,
                    "no credentials for this writer's destination: " + r.cause().getMessage());
            callback.done(false);
        });
    }

    private DestinationClient client() {
        DestinationClient c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    WriterSettings settings = WriterSettings.of(parameters, writerName());
                    RelayMetrics.Writer metrics = RelayMetrics.of(camelContext).writer(writerName());
                    c = DestinationClient.open(settings, metrics, RelayVertx.of(camelContext));
                    if (settings.buffer() != null) {
                        try {
                            buffer = BufferedDelivery.open(settings.buffer(), c, c.credentials::current, metrics);
                        } catch (IOException | RuntimeException e) {
                            c.close();
                            throw new IllegalStateException(
                                    "pyroscope-write \"" + writerName() + "\": " + e.getMessage(), e);
                        }
                    }
                    client = c;
                    if (settings.debugInfo().on()) {
                        DebugInfoWriters.of(camelContext).add(parameters.parentRouteId, order, this);
                    }
                    LOG.info("pyroscope-write \"{}\" sends to {}", writerName(), settings.safeUrl());
                }
            }
        }
        return c;
    }

    /** Its {@code name}, else the id of the route that calls it (stable across reloads: metrics are keyed by it). */
    String writerName() {
        if (WriterSettings.isSet(parameters.name)) {
            return parameters.name.trim();
        }
        return WriterSettings.isSet(parameters.parentRouteId)
                ? UserRouteId.of(camelContext, parameters.parentRouteId)
                : RelayNames.WRITE_ROUTE_PREFIX + order;
    }

    @Override
    protected void doStart() {
        if (camelContext != null) {
            client(); // fail at start-up, not on the first profile, when the parameters are wrong
        }
    }

    @Override
    protected void doStop() {
        if (camelContext != null) {
            DebugInfoWriters.of(camelContext).remove(parameters.parentRouteId, order, this);
        }
        BufferedDelivery b = buffer;
        buffer = null;
        if (b != null) {
            b.close();
        }
        DestinationClient c = client;
        client = null;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.debug("closing writer {}: {}", writerName(), e.toString());
            }
        }
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        if (order == 0) {
            order = PerContext.get(camelContext, Order.class, Order::new).incrementAndGet();
        }
        this.camelContext = camelContext;
    }

    /** The Kamelet's parameters are bound to these, not to the writer (see {@link KameletStepComponent}). */
    @Override
    public WriterParameters parameters() {
        return parameters;
    }

    @Override
    public String toString() {
        // never the credentials: user info is cut from the URL as written
        String url = parameters.url == null ? "?" : parameters.url.replaceAll("//[^/@]*@", "//");
        return "PyroscopeWriter[" + writerName() + " -> " + url + "]";
    }
}
