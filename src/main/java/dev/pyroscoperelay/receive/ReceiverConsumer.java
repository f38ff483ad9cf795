package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * platform-http's Vert.x consumer on a receiver's own server, with the raw body and header hygiene of the relay:
 * the route sees the body bytes and only the client headers it needs.
 */
final class ReceiverConsumer extends VertxPlatformHttpConsumer {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReceiverConsumer.class);
    /** The only client headers that enter the route. */
    static final List<String> KEPT_HEADERS = List.of(
            "Content-Type",
            "Content-Encoding",
            RelayNames.TENANT_HEADER,
            "Connect-Protocol-Version",
            "Connect-Timeout-Ms",
            "Connect-Content-Encoding",
            "Grpc-Timeout");

    private final ReceiverServer server;
    private final String routerName;
    private final RelayMetrics.Receiver metrics;
    private final RawBodyHandler bodies;
    private boolean acquired;

    ReceiverConsumer(
            PlatformHttpEndpoint endpoint,
            Processor processor,
            ReceiverServer server,
            RawBodyHandler bodyHandler,
            RelayMetrics.Receiver metrics) {
        this(
                endpoint,
                processor,
                server,
                bodyHandler,
                metrics,
                RelayNames.RECEIVE_ROUTE_PREFIX + "router-" + server.address());
    }

    private ReceiverConsumer(
            PlatformHttpEndpoint endpoint,
            Processor processor,
            ReceiverServer server,
            RawBodyHandler bodyHandler,
            RelayMetrics.Receiver metrics,
            String routerName) {
        super(endpoint, processor, List.of(bodyHandler), routerName);
        this.server = server;
        this.routerName = routerName;
        this.metrics = metrics;
        this.bodies = bodyHandler;
    }

    @Override
    protected void doInit() throws Exception {
        getEndpoint()
                .getCamelContext()
                .getRegistry()
                .bind(
                        routerName,
                        VertxPlatformHttpRouter.class,
                        new VertxPlatformHttpRouter(null, server.vertx(), server.router(), routerName));
        super.doInit();
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart(); // adds the Vert.x route before the port opens
        if (!acquired) {
            server.acquire(this);
            acquired = true;
        }
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        if (acquired) {
            acquired = false;
            server.release(this);
        }
    }

    /**
     * Runs the route asynchronously, on the event loop that read the request (workerThreads 0) or on a worker that is
     * free again at the first asynchronous step (the writers), so requests waiting on slow destinations hold no thread
     * here. The answer is written when the route completes, from whichever thread completes it.
     */
    @Override
    protected void handleRequest(RoutingContext ctx) {
        if (!takesRequests()) {
            // this route is stopping (a reload, or shutdown): in-flight requests finish here, new ones wait for the
            // next route of this port (or get 503 when none comes)
            server.park(ctx);
            return;
        }
        serveParked(ctx);
    }

    /**
     * Whether this consumer's route may run a request: it is starting or started. Not when suspended, stopping or
     * already stopped: a request routed with the router's routes as they were before a reload can reach the handler
     * of a consumer whose route has stopped, and a stopped route never answers it.
     */
    boolean takesRequests() {
        return !isSuspendingOrSuspended() && !isStoppingOrStopped();
    }

    /** Runs the route for a request whose body was read (possibly by the previous route of this port). */
    void serveParked(RoutingContext ctx) {
        if (ctx.get(RawBodyHandler.BODY_KEY) == null) {
            // parked before its body was read: this route's body reader reads it, then the route runs
            bodies.read(ctx, this::serveParked);
            return;
        }
        Exchange exchange = createExchange(false);
        exchange.setPattern(ExchangePattern.InOut);
        populate(ctx, exchange, exchange.getIn());
        if (server.onEventLoop()) {
            try {
                runRoute(ctx, exchange);
            } catch (Exception e) {
                failed(ctx, exchange, e);
            }
            return;
        }
        server.workers()
                .executeBlocking(
                        () -> {
                            runRoute(ctx, exchange);
                            return null;
                        },
                        false)
                .onFailure(t -> failed(ctx, exchange, t));
    }

    private void runRoute(RoutingContext ctx, Exchange exchange) throws Exception {
        createUoW(exchange);
        getAsyncProcessor().process(exchange, doneSync -> respond(ctx, exchange));
    }

    private void failed(RoutingContext ctx, Exchange exchange, Throwable t) {
        exchange.setException(t instanceof Exception e ? e : new RuntimeException(t));
        respond(ctx, exchange);
    }

    private void respond(RoutingContext ctx, Exchange exchange) {
        try {
            HttpServerResponse response = ctx.response();
            if (!response.ended() && !response.closed()) {
                Message out = exchange.getMessage();
                int status;
                byte[] body;
                String contentType;
                if (exchange.getException() != null) {
                    LOG.error("pyroscope-receive: the route of a request failed", exchange.getException());
                    status = 500;
                    contentType = "text/plain; charset=utf-8";
                    body = ("relay error: " + exchange.getException().getMessage() + "\n")
                            .getBytes(StandardCharsets.UTF_8);
                } else {
                    status = out.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
                    contentType = out.getHeader(Exchange.CONTENT_TYPE, String.class);
                    body = out.getBody(byte[].class);
                }
                UploadApi api = exchange.getProperty(RelayNames.API_PROPERTY, UploadApi.class);
                boolean grpc = ctx.get(GrpcCalls.RESPONSE_KEY) != null;
                metrics.request(api == null ? "unknown" : api.name() + (grpc ? "_grpc" : ""), status);
                if (grpc) {
                    String reason = exchange.getException() != null
                            ? "relay error: " + exchange.getException().getMessage()
                            : out.getHeader(ClientAnswer.REASON, "", String.class);
                    GrpcCalls.answer(ctx, status, body, reason);
                    return;
                }
                response.setStatusCode(status);
                if (contentType != null) {
                    response.putHeader("Content-Type", contentType);
                }
                String retryAfter = out.getHeader(ClientAnswer.RETRY_AFTER, String.class);
                if (retryAfter != null && exchange.getException() == null) {
                    response.putHeader(ClientAnswer.RETRY_AFTER, retryAfter);
                }
                response.end(body == null ? Buffer.buffer() : Buffer.buffer(body));
            }
        } finally {
            // every writer is done (the route completed): the body's memory or file can go
            releaseBody(ctx);
            doneUoW(exchange);
            releaseExchange(exchange, false);
        }
    }

    @Override
    protected void doResume() throws Exception {
        super.doResume();
        server.resumed(this);
    }

    static void releaseBody(RoutingContext ctx) {
        UploadBody body = ctx.get(RawBodyHandler.BODY_KEY);
        if (body != null) {
            body.release();
        }
    }

    private static void populate(RoutingContext ctx, Exchange exchange, Message message) {
        Map<String, Object> headers = message.getHeaders();
        headers.clear();
        MultiMap in = ctx.request().headers();
        for (String name : KEPT_HEADERS) {
            String value = in.get(name);
            if (value != null) {
                headers.put(name, value);
            }
        }
        headers.put(Exchange.HTTP_METHOD, ctx.request().method().name());
        headers.put(Exchange.HTTP_PATH, ctx.request().path());
        String query = ctx.request().query();
        headers.put(Exchange.HTTP_RAW_QUERY, query == null ? "" : query);
        exchange.setProperty(RelayNames.API_PROPERTY, ctx.get(RawBodyHandler.API_KEY));
        message.setBody(ctx.get(RawBodyHandler.BODY_KEY));
    }
}
