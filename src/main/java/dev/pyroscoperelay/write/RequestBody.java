package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.UploadBody;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

/**
 * Sends an upload's body with a request: from memory (every destination sends the same bytes) or from its file,
 * opened for each attempt (a retry or a redirect sends it again from the start).
 */
final class RequestBody {
    private RequestBody() {}

    static Future<HttpClientResponse> send(Vertx vertx, HttpClientRequest req, UploadBody body) {
        if (body.inMemory()) {
            // every destination sends the same bytes (Buffer.buffer(byte[]) would copy them); this send holds its own
            // reference until Netty has written them or failed to, so a route that ends meanwhile (a timeout, the
            // buffer's store-after-100-ms) cannot hand them to another request
            ByteBuf bytes = body.retainedMemory();
            try {
                req.end(Buffer.buffer(bytes)).onComplete(written -> bytes.release());
            } catch (RuntimeException e) {
                bytes.release();
                throw e;
            }
            return req.response();
        }
        req.putHeader("Content-Length", Long.toString(body.length()));
        // failures come through the pipe and the response; without this Vert.x also logs each one
        req.exceptionHandler(t -> {});
        Future<AsyncFile> opened = vertx.fileSystem().open(body.file().toString(), new OpenOptions().setRead(true));
        opened.onFailure(t -> req.reset()); // frees the connection the request holds
        return opened.compose(file -> {
            file.setReadPos(body.fileOffset()).setReadLength(body.length());
            // the whole body goes out even when the destination answers early (nginx's `return 200` does);
            // a body cut short would leave the kept-alive connection out of step with the server, so a
            // failed pipe resets the connection instead of ending the request
            file.pipe().endOnFailure(false).to(req).onComplete(piped -> {
                file.close();
                if (piped.failed()) {
                    req.reset();
                }
            });
            return req.response();
        });
    }
}
