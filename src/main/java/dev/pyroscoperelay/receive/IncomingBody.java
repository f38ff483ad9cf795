package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's body on its way in: a pooled buffer off the heap while it fits the memory budget (a body held
 * for seconds by a slow destination would otherwise be promoted to the old generation and collected by full GCs),
 * else a temporary file.
 */
final class IncomingBody {
    private static final Logger LOG = LoggerFactory.getLogger(IncomingBody.class);

    /** First buffer for a body of unknown length; it doubles as bytes arrive. */
    private static final int FIRST_BUFFER = 16 * 1024;

    /** Disk is claimed this much at a time: the file system's free space is asked once per step. */
    private static final long DISK_STEP = 1024 * 1024;

    private final RawBodyHandler owner;
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

    IncomingBody(RawBodyHandler owner, RoutingContext ctx, UploadApi api, long declared, Handler<RoutingContext> then) {
        this.owner = owner;
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
        boolean fitsInMemory = declared <= owner.budget.memoryPerBody();
        if (api.decodedInMemory()) {
            // a push or OTLP request is decoded in memory
            if (!fitsInMemory) {
                return fail(413, pushTooLarge());
            }
            return owner.budget.memoryFree() >= declared || fail(503, RawBodyHandler.outOfRoom());
        }
        if (fitsInMemory && owner.budget.memoryFree() >= declared) {
            return true;
        }
        if (owner.budget.diskFree() < declared) {
            return fail(503, RawBodyHandler.outOfRoom());
        }
        return toFile();
    }

    void append(Buffer chunk) {
        if (finished) {
            return;
        }
        int n = chunk.length();
        if (size + n > owner.maxBodySize) {
            fail(413, owner.tooLarge());
            return;
        }
        if (file == null && !roomInMemory(n) && (api.decodedInMemory() || !toFile())) {
            return;
        }
        if (file != null) {
            if (size + n > reservedDisk) {
                // claimed a mebibyte at a time: the file system's free space is asked once per step
                long step = Math.max(size + n - reservedDisk, DISK_STEP);
                if (!owner.budget.reserveDisk(step)) {
                    fail(503, RawBodyHandler.outOfRoom());
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
        long cap = declared > 0 ? declared : owner.budget.memoryPerBody();
        if (needed > cap) {
            if (api.decodedInMemory()) {
                fail(413, pushTooLarge());
            }
            return false;
        }
        long grown = Math.min(cap, Math.max(needed, buffer == null ? FIRST_BUFFER : 2L * buffer.capacity()));
        if (grown > reservedMemory) {
            if (!owner.budget.reserveMemory(grown - reservedMemory)) {
                if (api.decodedInMemory()) {
                    fail(503, RawBodyHandler.outOfRoom());
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
        if (reservedDisk < size && !owner.budget.reserveDisk(size - reservedDisk)) {
            return fail(503, RawBodyHandler.outOfRoom());
        }
        reservedDisk = Math.max(reservedDisk, size);
        try {
            path = owner.budget.newFile();
            // a local file opens in microseconds: no need to leave the event loop for it
            file = ctx.vertx()
                    .fileSystem()
                    .openBlocking(
                            path.toString(), new OpenOptions().setWrite(true).setCreateNew(true));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot create a file for a request body in the spool directory: {}", e.toString());
            return fail(503, RawBodyHandler.outOfRoom());
        }
        if (buffer != null) {
            ByteBuf sofar = buffer;
            file.write(Buffer.buffer(sofar)).onComplete(written -> sofar.release());
            buffer = null;
        }
        owner.budget.releaseMemory(reservedMemory);
        reservedMemory = 0;
        return true;
    }

    void end() {
        if (finished) {
            return;
        }
        finished = true;
        owner.metrics.bytes(size);
        if (file == null) {
            long reserved = reservedMemory;
            ByteBuf bytes = buffer == null ? PooledByteBufAllocator.DEFAULT.directBuffer(0) : buffer;
            buffer = null; // the body owns it now
            handOver(UploadBody.inMemory(bytes, () -> owner.budget.releaseMemory(reserved)));
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
                owner.rejectAndClose(ctx, api, 503, RawBodyHandler.outOfRoom());
            }
        });
    }

    private void handOver(UploadBody body) {
        if (ctx.response().closed()) {
            body.release(); // the client went away while the file was closed
            return;
        }
        ctx.put(RawBodyHandler.BODY_KEY, body);
        ctx.put(RawBodyHandler.API_KEY, api);
        then.handle(ctx);
    }

    void timedOut() {
        if (!finished) {
            fail(
                    408,
                    api.oneDestination()
                            ? "the upload did not arrive within debugInfoUploadTimeout ("
                                    + owner.debugInfoUploadTimeoutMillis + " ms): nothing was forwarded\n"
                            : "the request did not arrive within readTimeout (" + owner.readTimeoutMillis
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
        owner.rejectAndClose(ctx, api, status, message);
        return false;
    }

    private void releaseAll() {
        if (buffer != null) {
            buffer.release();
            buffer = null;
        }
        owner.budget.releaseMemory(reservedMemory);
        reservedMemory = 0;
        if (file != null) {
            Runnable delete = deleteAndGiveBack(path, reservedDisk);
            file.close().onComplete(r -> delete.run());
            file = null;
        } else {
            owner.budget.releaseDisk(reservedDisk);
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
            owner.budget.releaseDisk(reserved);
        });
    }

    private String pushTooLarge() {
        return api.name() + " request larger than the relay keeps in memory (" + owner.budget.memoryPerBody()
                + " bytes, pyroscope.relay.body-memory-per-body): nothing was forwarded\n";
    }
}
