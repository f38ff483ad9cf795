package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Runs on the event loop before Camel sees the request: answers 404/405/413 itself and reads the body into one
 * byte array, exactly as sent (no multipart parsing, no decompression), so nothing is forwarded unless the whole
 * body arrived.
 */
final class RawBodyHandler implements Handler<RoutingContext> {
    static final String BODY_KEY = "pyroscope.relay.body";
    static final String API_KEY = "pyroscope.relay.api";

    private final long maxBodySize;
    private final RelayMetrics.Receiver metrics;

    RawBodyHandler(long maxBodySize, RelayMetrics.Receiver metrics) {
        this.maxBodySize = maxBodySize;
        this.metrics = metrics;
    }

    @Override
    public void handle(RoutingContext ctx) {
        HttpServerRequest req = ctx.request();
        ReceiverApi api = ReceiverApi.forPath(req.path());
        if (api == null) {
            metrics.request("unknown", 404);
            reject(ctx, 404, "not found: a receiver serves POST /ingest and POST /push.v1.PusherService/Push\n");
            return;
        }
        if (req.method() != HttpMethod.POST) {
            metrics.request(api.label(), 405);
            ctx.response().putHeader("Allow", "POST");
            reject(ctx, 405, "method " + req.method() + " not allowed on " + api.path() + ": use POST\n");
            return;
        }
        long declared = contentLength(req);
        if (declared > maxBodySize) {
            metrics.request(api.label(), 413);
            rejectAndClose(ctx, maxBodySize);
            return;
        }
        ByteSink sink = new ByteSink(declared > 0 ? (int) declared : 16 * 1024);
        req.handler(chunk -> {
            if (sink.failed) {
                return;
            }
            if ((long) sink.size + chunk.length() > maxBodySize) {
                sink.failed = true;
                metrics.request(api.label(), 413);
                rejectAndClose(ctx, maxBodySize);
                return;
            }
            sink.append(chunk);
        });
        // a client that disconnects mid-body: nothing was handed to Camel, so nothing is forwarded
        req.exceptionHandler(t -> sink.failed = true);
        req.endHandler(v -> {
            if (!sink.failed) {
                metrics.bytes(sink.size);
                ctx.put(BODY_KEY, sink.toArray());
                ctx.put(API_KEY, api);
                ctx.next();
            }
        });
        req.resume();
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

    private static void reject(RoutingContext ctx, int status, String message) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(message);
    }

    private static void rejectAndClose(RoutingContext ctx, long max) {
        // the rest of the body is not read: close the connection once the answer is out
        ctx.response()
                .setStatusCode(413)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .putHeader("Connection", "close")
                .end("request body larger than maxBodySize (" + max + " bytes): nothing was forwarded\n")
                .onComplete(r -> ctx.request().connection().close());
    }

    /** Growable byte array that copies each network chunk once. */
    private static final class ByteSink {
        byte[] bytes;
        int size;
        boolean failed;

        ByteSink(int initial) {
            bytes = new byte[initial];
        }

        void append(Buffer chunk) {
            int n = chunk.length();
            if (size + n > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(size + n, bytes.length * 2));
            }
            chunk.getBytes(0, n, bytes, size);
            size += n;
        }

        byte[] toArray() {
            return size == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, size);
        }
    }
}
