package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.api.UploadApis;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.upload.UploadApi;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs on the event loop before Camel sees the request: answers 404/405/408/413/503 itself and reads the body exactly
 * as sent (no multipart parsing, no decompression), so nothing is forwarded unless the whole body arrived. A body
 * grows from the bytes that arrive (never from the declared length) and is counted against the {@link BodyBudget}: in
 * memory up to its per-body size, else in a temporary file; when neither has room, 503 with Retry-After.
 */
final class RawBodyHandler implements Handler<RoutingContext> {
    static final String BODY_KEY = "pyroscope.relay.body";
    static final String API_KEY = "pyroscope.relay.api";

    /** Seconds a client is asked to wait after a 503 for lack of room. */
    static final String RETRY_AFTER_SECONDS = "5";

    final long maxBodySize;
    final long readTimeoutMillis;
    /** For a debug-info upload (hundreds of MB from a node's profiler) instead of readTimeout. */
    final long debugInfoUploadTimeoutMillis;

    final BodyBudget budget;
    final RelayMetrics.Receiver metrics;

    RawBodyHandler(
            long maxBodySize,
            long readTimeoutMillis,
            long debugInfoUploadTimeoutMillis,
            BodyBudget budget,
            RelayMetrics.Receiver metrics) {
        this.maxBodySize = maxBodySize;
        this.readTimeoutMillis = readTimeoutMillis;
        this.debugInfoUploadTimeoutMillis = debugInfoUploadTimeoutMillis;
        this.budget = budget;
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext ctx) {
        read(ctx, RoutingContext::next);
    }

    /**
     * Reads the request's body, then hands the request to {@code then}; answers it itself when it cannot be read. A
     * request parked before its body was read (a reload) is read this way by the route that takes it: routing it
     * again would go through the router's routes as they were when it arrived, without the new route.
     */
    void read(RoutingContext ctx, Handler<RoutingContext> then) {
        HttpServerRequest req = ctx.request();
        UploadApi api = UploadApis.forPath(req.path());
        if (GrpcCalls.isGrpc(req) && req.method() == HttpMethod.POST) {
            // only an API with a gRPC method takes gRPC calls (debug info is Connect only, as Pyroscope serves it)
            UploadApi grpc = api != null && api.grpcPath() != null ? api : null;
            GrpcCalls.handle(ctx, grpc, budget, Math.min(maxBodySize, budget.memoryPerBody()), readTimeoutMillis, then);
            return;
        }
        if (api == null) {
            metrics.request("unknown", 404);
            reject(ctx, 404, "not found: a receiver serves " + UploadApis.paths() + "\n");
            return;
        }
        if (req.method() != HttpMethod.POST) {
            metrics.request(api.name(), 405);
            ctx.response().putHeader("Allow", "POST");
            reject(ctx, 405, "method " + req.method() + " not allowed on " + api.path() + ": use POST\n");
            return;
        }
        long declared = contentLength(req);
        if (declared > maxBodySize) {
            rejectAndClose(ctx, api, 413, tooLarge());
            return;
        }
        IncomingBody sink = new IncomingBody(this, ctx, api, declared, then);
        if (!sink.open()) {
            return;
        }
        long timer = ctx.vertx()
                .setTimer(
                        api.oneDestination() ? debugInfoUploadTimeoutMillis : readTimeoutMillis, id -> sink.timedOut());
        req.handler(sink::append);
        // a client that disconnects mid-body: nothing was handed to Camel, so nothing is forwarded
        req.exceptionHandler(t -> sink.abandon());
        req.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            sink.end();
        });
        req.resume();
    }

    String tooLarge() {
        return "request body larger than maxBodySize (" + maxBodySize + " bytes): nothing was forwarded\n";
    }

    static String outOfRoom() {
        return "the relay has no room for this request body now (memory and disk budgets in use): nothing was "
                + "forwarded, try again later\n";
    }

    private static long contentLength(HttpServerRequest req) {
        String cl = req.getHeader("Content-Length");
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static void reject(RoutingContext ctx, int status, String message) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(message);
    }

    /** Answers and closes the connection once the answer is out: the rest of the body is not read. */
    void rejectAndClose(RoutingContext ctx, UploadApi api, int status, String message) {
        metrics.request(api.name(), status);
        if (ctx.response().ended() || ctx.response().closed()) {
            ctx.request().connection().close();
            return;
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .putHeader("Connection", "close");
        if (status == 503) {
            ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS);
        }
        ctx.response().end(message).onComplete(r -> ctx.request().connection().close());
    }
}
