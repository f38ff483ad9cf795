package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.api.UploadApis;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs on the event loop before Camel sees the request: answers 404/405/408/413/503 itself and reads the body exactly
 * as sent (no multipart parsing, no decompression), so nothing is forwarded unless the whole body arrived. A body
 * grows from the bytes that arrive (never from the declared length) and is counted against the {@link BodyBudget}: in
 * memory up to its per-body size, else in a temporary file; when neither has room, 503 with Retry-After.
 */
final class RawBodyHandler implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(RawBodyHandler.class);
    static final String BODY_KEY = "pyroscope.relay.body";
    static final String API_KEY = "pyroscope.relay.api";

    /** First buffer for a body of unknown length; it doubles as bytes arrive. */
    private static final int FIRST_BUFFER = 16 * 1024;

    private static final long DISK_STEP = 1024 * 1024;

    /** Seconds a client is asked to wait after a 503 for lack of room. */
    static final String RETRY_AFTER_SECONDS = "5";

    private final long maxBodySize;
    private final long readTimeoutMillis;
    private final BodyBudget budget;
    private final RelayMetrics.Receiver metrics;

    RawBodyHandler(long maxBodySize, long readTimeoutMillis, BodyBudget budget, RelayMetrics.Receiver metrics) {
        this.maxBodySize = maxBodySize;
        this.readTimeoutMillis = readTimeoutMillis;
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
            GrpcCalls.handle(ctx, api, budget, Math.min(maxBodySize, budget.memoryPerBody()), readTimeoutMillis, then);
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
        Sink sink = new Sink(ctx, api, declared, then);
        if (!sink.open()) {
            return;
        }
        long timer = ctx.vertx().setTimer(readTimeoutMillis, id -> sink.timedOut());
        req.handler(sink::append);
        // a client that disconnects mid-body: nothing was handed to Camel, so nothing is forwarded
        req.exceptionHandler(t -> sink.abandon());
        req.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            sink.end();
        });
        req.resume();
    }

    private String tooLarge() {
        return "request body larger than maxBodySize (" + maxBodySize + " bytes): nothing was forwarded\n";
    }

    /**
     * One request's body on its way in: a pooled buffer off the heap while it fits the memory budget (a body held
     * for seconds by a slow destination would otherwise be promoted to the old generation and collected by full GCs),
     * else a temporary file.
     */
    private final class Sink {
        private final RoutingContext ctx;
        private final UploadApi api;
        private final long declared;
        private final Handler<RoutingContext> then;
        private ByteBuf buffer;
        private long size;
        private long reservedMemory;
        private long reservedDisk;
        private Path path;
        private AsyncFile file;
        private boolean finished;

        Sink(RoutingContext ctx, UploadApi api, long declared, Handler<RoutingContext> then) {
            this.ctx = ctx;
            this.api = api;
            this.declared = declared;
            this.then = then;
        }

        /**
         * Picks memory or a file for a body of known length, and answers 413/503 before reading it when it cannot fit
         * now. Nothing is reserved yet: room is counted as bytes arrive, so a client that declares a lot and sends
         * little takes little.
         */
        boolean open() {
            if (declared <= 0) {
                return true; // chunked: memory first, a file once it outgrows that
            }
            boolean fitsInMemory = declared <= budget.memoryPerBody();
            if (api.decodedInMemory()) {
                // a push or OTLP request is decoded in memory
                if (!fitsInMemory) {
                    return fail(413, pushTooLarge());
                }
                return budget.memoryFree() >= declared || fail(503, outOfRoom());
            }
            if (fitsInMemory && budget.memoryFree() >= declared) {
                return true;
            }
            if (budget.diskFree() < declared) {
                return fail(503, outOfRoom());
            }
            return toFile();
        }

        void append(Buffer chunk) {
            if (finished) {
                return;
            }
            int n = chunk.length();
            if (size + n > maxBodySize) {
                fail(413, tooLarge());
                return;
            }
            if (file == null && !roomInMemory(n) && (api.decodedInMemory() || !toFile())) {
                return;
            }
            if (file != null) {
                if (size + n > reservedDisk) {
                    // claimed a mebibyte at a time: the file system's free space is asked once per step
                    long step = Math.max(size + n - reservedDisk, DISK_STEP);
                    if (!budget.reserveDisk(step)) {
                        fail(503, outOfRoom());
                        return;
                    }
                    reservedDisk += step;
                }
                file.write(chunk);
                if (file.writeQueueFull()) {
                    ctx.request().pause(); // the disk is slower than the client: stop reading until it drains
                    file.drainHandler(v -> ctx.request().resume());
                }
            } else {
                buffer.writeBytes(chunk.getByteBuf());
            }
            size += n;
        }

        /** Makes the buffer large enough for n more bytes within the memory budget; false when it cannot. */
        private boolean roomInMemory(int n) {
            long needed = size + n;
            if (buffer != null && needed <= buffer.capacity()) {
                return true;
            }
            long cap = declared > 0 ? declared : budget.memoryPerBody();
            if (needed > cap) {
                if (api.decodedInMemory()) {
                    fail(413, pushTooLarge());
                }
                return false;
            }
            long grown = Math.min(cap, Math.max(needed, buffer == null ? FIRST_BUFFER : 2L * buffer.capacity()));
            if (grown > reservedMemory) {
                if (!budget.reserveMemory(grown - reservedMemory)) {
                    if (api.decodedInMemory()) {
                        fail(503, outOfRoom());
                    }
                    return false;
                }
                reservedMemory = grown;
            }
            if (buffer == null) {
                buffer = PooledByteBufAllocator.DEFAULT.directBuffer((int) grown);
            } else {
                buffer.capacity((int) grown); // a bigger one from the pool, the bytes so far copied
            }
            return true;
        }

        /** Moves the body to a temporary file (claiming disk for what arrived so far); false after answering 503. */
        private boolean toFile() {
            if (reservedDisk < size && !budget.reserveDisk(size - reservedDisk)) {
                return fail(503, outOfRoom());
            }
            reservedDisk = Math.max(reservedDisk, size);
            try {
                path = budget.newFile();
                // a local file opens in microseconds: no need to leave the event loop for it
                file = ctx.vertx()
                        .fileSystem()
                        .openBlocking(
                                path.toString(),
                                new OpenOptions().setWrite(true).setCreateNew(true));
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot create a file for a request body in the spool directory: {}", e.toString());
                return fail(503, outOfRoom());
            }
            if (buffer != null) {
                ByteBuf sofar = buffer;
                file.write(Buffer.buffer(sofar)).onComplete(written -> sofar.release());
                buffer = null;
            }
            budget.releaseMemory(reservedMemory);
            reservedMemory = 0;
            return true;
        }

        void end() {
            if (finished) {
                return;
            }
            finished = true;
            metrics.bytes(size);
            if (file == null) {
                long reserved = reservedMemory;
                ByteBuf bytes = buffer == null ? PooledByteBufAllocator.DEFAULT.directBuffer(0) : buffer;
                buffer = null; // the body owns it now
                handOver(UploadBody.inMemory(bytes, () -> budget.releaseMemory(reserved)));
                return;
            }
            Path p = path;
            Runnable delete = deleteAndGiveBack(p, reservedDisk);
            // closing waits for the queued writes: the writers read the whole body from the file
            file.close().onComplete(closed -> {
                if (closed.succeeded()) {
                    handOver(UploadBody.inFile(p, size, delete));
                } else {
                    delete.run();
                    LOG.warn(
                            "writing a request body to {} failed: {}",
                            p,
                            closed.cause().toString());
                    rejectAndClose(ctx, api, 503, outOfRoom());
                }
            });
        }

        private void handOver(UploadBody body) {
            if (ctx.response().closed()) {
                body.release(); // the client went away while the file was closed
                return;
            }
            ctx.put(BODY_KEY, body);
            ctx.put(API_KEY, api);
            then.handle(ctx);
        }

        void timedOut() {
            if (!finished) {
                fail(
                        408,
                        "the request did not arrive within readTimeout (" + readTimeoutMillis
                                + " ms): nothing was forwarded\n");
            }
        }

        /** The client went away mid-body. */
        void abandon() {
            if (!finished) {
                finished = true;
                releaseAll();
            }
        }

        private boolean fail(int status, String message) {
            finished = true;
            releaseAll();
            rejectAndClose(ctx, api, status, message);
            return false;
        }

        private void releaseAll() {
            if (buffer != null) {
                buffer.release();
                buffer = null;
            }
            budget.releaseMemory(reservedMemory);
            reservedMemory = 0;
            if (file != null) {
                Runnable delete = deleteAndGiveBack(path, reservedDisk);
                file.close().onComplete(r -> delete.run());
                file = null;
            } else {
                budget.releaseDisk(reservedDisk);
            }
            reservedDisk = 0;
        }

        /** Deletes a body's file (off the event loop) and then gives its disk budget back. */
        private Runnable deleteAndGiveBack(Path p, long reserved) {
            return () -> ctx.vertx().fileSystem().delete(p.toString()).onComplete(deleted -> {
                // a file already gone (never created, or removed by hand) is no problem
                if (deleted.failed() && !(deleted.cause().getCause() instanceof java.nio.file.NoSuchFileException)) {
                    LOG.warn("cannot delete {}: {}", p, deleted.cause().toString());
                }
                budget.releaseDisk(reserved);
            });
        }

        private String pushTooLarge() {
            return api.name() + " request larger than the relay keeps in memory (" + budget.memoryPerBody()
                    + " bytes, pyroscope.relay.body-memory-per-body): nothing was forwarded\n";
        }
    }

    private static String outOfRoom() {
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

    private static void reject(RoutingContext ctx, int status, String message) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(message);
    }

    /** Answers and closes the connection once the answer is out: the rest of the body is not read. */
    private void rejectAndClose(RoutingContext ctx, UploadApi api, int status, String message) {
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
