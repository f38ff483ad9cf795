package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.api.StatusCodes;
import dev.pyroscoperelay.api.UploadApis;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.impl.HttpServerRequestInternal;
import io.vertx.core.http.impl.HttpServerRequestWrapper;
import io.vertx.ext.web.RoutingContext;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Locale;

/**
 * gRPC unary calls on a receiver's HTTP/2 connections: {@code push.v1.PusherService/Push} and OTLP's
 * {@code ProfilesService/Export}. Vert.x's gRPC server takes the framing and grpc-encoding off; the one request
 * message becomes the body of the exchange like an HTTP request's, its bytes counted against the same memory budget
 * as they arrive, and the route's answer goes back as a gRPC status (see {@link #answer}).
 */
final class GrpcCalls {
    /** Routing-context key of the call's response, for the answer. */
    static final String RESPONSE_KEY = "pyroscope.relay.grpcResponse";

    private GrpcCalls() {}

    static boolean isGrpc(HttpServerRequest req) {
        String type = req.getHeader("Content-Type");
        if (type == null) {
            return false;
        }
        String t = type.toLowerCase(Locale.ROOT);
        return t.startsWith("application/grpc") && !t.startsWith("application/grpc-web");
    }

    /** Reads the call's one message, then hands the request on like {@link RawBodyHandler} does. */
    static void handle(
            RoutingContext ctx,
            UploadApi api,
            BodyBudget budget,
            long maxMessage,
            long readTimeoutMillis,
            Handler<RoutingContext> then) {
        if (ctx.request().version() != HttpVersion.HTTP_2) {
            ctx.response()
                    .setStatusCode(415)
                    .putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end("gRPC needs HTTP/2: HTTPS (tlsCertFile) on this receiver, or h2c: true for cleartext\n");
            return;
        }
        Counted request = new Counted((HttpServerRequestInternal) ctx.request(), budget, ctx);
        GrpcServer.server(ctx.vertx(), new GrpcServerOptions().setMaxMessageSize(maxMessage))
                .callHandler(call -> read(ctx, api, call, request, readTimeoutMillis, then))
                .handle(request);
        ctx.request().resume();
    }

    private static void read(
            RoutingContext ctx,
            UploadApi api,
            GrpcServerRequest<Buffer, Buffer> call,
            Counted request,
            long readTimeoutMillis,
            Handler<RoutingContext> then) {
        ctx.put(RESPONSE_KEY, call.response());
        if (api == null) {
            request.releaseAll();
            fail(
                    ctx,
                    GrpcStatus.UNIMPLEMENTED,
                    "unknown method " + call.fullMethodName() + ": a receiver serves " + UploadApis.grpcMethods());
            return;
        }
        Buffer[] message = new Buffer[1];
        long timer = ctx.vertx().setTimer(readTimeoutMillis, id -> {
            request.releaseAll();
            fail(ctx, GrpcStatus.DEADLINE_EXCEEDED, "the request did not arrive within readTimeout");
        });
        call.handler(m -> {
            if (message[0] != null) {
                request.releaseAll();
                fail(ctx, GrpcStatus.INVALID_ARGUMENT, "a unary call carries one message");
            }
            message[0] = m;
        });
        call.exceptionHandler(t -> {
            ctx.vertx().cancelTimer(timer);
            request.releaseAll();
            fail(ctx, GrpcStatus.RESOURCE_EXHAUSTED, "request message not read: " + t.getMessage());
        });
        // the client went away mid-call (the stream or its connection closed): nothing was handed on, give the bytes
        // back (not the connection's close handler: that one counts connections, and HTTP/2 has many calls on one)
        ctx.response().closeHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            if (ctx.get(RawBodyHandler.BODY_KEY) == null) {
                request.releaseAll();
            }
        });
        call.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            if (ctx.response().ended() || ctx.response().closed()) {
                request.releaseAll();
                return;
            }
            if (message[0] == null) {
                request.releaseAll();
                fail(ctx, GrpcStatus.INVALID_ARGUMENT, "no request message");
                return;
            }
            byte[] bytes = message[0].getBytes();
            long counted = request.reserved();
            BodyBudget budget = request.budget;
            ctx.put(
                    RawBodyHandler.BODY_KEY,
                    UploadBody.inMemory(bytes, bytes.length, () -> budget.releaseMemory(counted)));
            ctx.put(RawBodyHandler.API_KEY, api);
            then.handle(ctx);
        });
    }

    private static void fail(RoutingContext ctx, GrpcStatus status, String message) {
        GrpcServerResponse<Buffer, Buffer> response = ctx.get(RESPONSE_KEY);
        if (response != null && !ctx.response().ended() && !ctx.response().closed()) {
            response.status(status).statusMessage(message).end();
        }
    }

    /**
     * The route's answer as a gRPC status: OK with the empty response message, or the code of the HTTP status the
     * relay answers over HTTP (503 is UNAVAILABLE, 504 DEADLINE_EXCEEDED, 400 INVALID_ARGUMENT, ...) with the reason.
     */
    static void answer(RoutingContext ctx, int status, byte[] body, String reason) {
        GrpcServerResponse<Buffer, Buffer> response = ctx.get(RESPONSE_KEY);
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        if (status == 200) {
            response.end(Buffer.buffer(body == null ? new byte[0] : body));
            return;
        }
        fail(ctx, StatusCodes.forHttp(status), reason);
    }

    /**
     * The request as the gRPC server reads it, every received byte counted against the body budget as it arrives (as
     * {@link RawBodyHandler} does): a call the budget cannot take is answered UNAVAILABLE and its bytes are not kept.
     * What was counted is given back when the body is released, or at once when the call fails.
     */
    private static final class Counted extends HttpServerRequestWrapper {
        private final BodyBudget budget;
        private final RoutingContext ctx;
        private long reserved;
        private boolean full;

        Counted(HttpServerRequestInternal request, BodyBudget budget, RoutingContext ctx) {
            super(request);
            this.budget = budget;
            this.ctx = ctx;
        }

        @Override
        public HttpServerRequest handler(Handler<Buffer> handler) {
            if (handler == null) {
                return delegate.handler(null);
            }
            return delegate.handler(chunk -> {
                if (full) {
                    return;
                }
                if (!budget.reserveMemory(chunk.length())) {
                    full = true;
                    releaseAll();
                    fail(ctx, GrpcStatus.UNAVAILABLE, "the relay has no room for this request now: try again later");
                    return;
                }
                reserved += chunk.length();
                handler.handle(chunk);
            });
        }

        /** Gives back what was counted so far. */
        void releaseAll() {
            budget.releaseMemory(reserved);
            reserved = 0;
        }

        long reserved() {
            return reserved;
        }
    }
}
