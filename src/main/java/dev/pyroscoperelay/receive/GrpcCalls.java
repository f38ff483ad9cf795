package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.upload.UploadBody;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
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
 * message becomes the body of the exchange like an HTTP request's, counted against the same memory budget, and the
 * route's answer goes back as a gRPC status (see {@link #answer}).
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
            RoutingContext ctx, ReceiverApi api, BodyBudget budget, long maxMessage, long readTimeoutMillis) {
        if (ctx.request().version() != HttpVersion.HTTP_2) {
            ctx.response()
                    .setStatusCode(415)
                    .putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end("gRPC needs HTTP/2: HTTPS (tlsCertFile) on this receiver, or h2c: true for cleartext\n");
            return;
        }
        GrpcServer.server(ctx.vertx(), new GrpcServerOptions().setMaxMessageSize(maxMessage))
                .callHandler(call -> read(ctx, api, call, budget, readTimeoutMillis))
                .handle(ctx.request());
        ctx.request().resume();
    }

    private static void read(
            RoutingContext ctx,
            ReceiverApi api,
            GrpcServerRequest<Buffer, Buffer> call,
            BodyBudget budget,
            long readTimeoutMillis) {
        ctx.put(RESPONSE_KEY, call.response());
        if (api == null) {
            fail(
                    ctx,
                    GrpcStatus.UNIMPLEMENTED,
                    "unknown method " + call.fullMethodName()
                            + ": a receiver serves push.v1.PusherService/Push and "
                            + "opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export");
            return;
        }
        Buffer[] message = new Buffer[1];
        long timer = ctx.vertx()
                .setTimer(
                        readTimeoutMillis,
                        id -> fail(ctx, GrpcStatus.DEADLINE_EXCEEDED, "the request did not arrive within readTimeout"));
        call.handler(m -> {
            if (message[0] != null) {
                fail(ctx, GrpcStatus.INVALID_ARGUMENT, "a unary call carries one message");
            }
            message[0] = m;
        });
        call.exceptionHandler(t -> {
            ctx.vertx().cancelTimer(timer);
            fail(ctx, GrpcStatus.RESOURCE_EXHAUSTED, "request message not read: " + t.getMessage());
        });
        call.endHandler(v -> {
            ctx.vertx().cancelTimer(timer);
            if (ctx.response().ended()) {
                return;
            }
            if (message[0] == null) {
                fail(ctx, GrpcStatus.INVALID_ARGUMENT, "no request message");
                return;
            }
            byte[] bytes = message[0].getBytes();
            if (!budget.reserveMemory(bytes.length)) {
                fail(ctx, GrpcStatus.UNAVAILABLE, "the relay has no room for this request now: try again later");
                return;
            }
            ctx.put(
                    RawBodyHandler.BODY_KEY,
                    UploadBody.inMemory(bytes, bytes.length, () -> budget.releaseMemory(bytes.length)));
            ctx.put(RawBodyHandler.API_KEY, api);
            ctx.next();
        });
    }

    private static void fail(RoutingContext ctx, GrpcStatus status, String message) {
        GrpcServerResponse<Buffer, Buffer> response = ctx.get(RESPONSE_KEY);
        if (!ctx.response().ended() && !ctx.response().closed()) {
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
        fail(ctx, GrpcStatus.valueOf(ConnectCodes.grpcNumber(ConnectCodes.forStatus(status))), reason);
    }
}
