package dev.pyroscoperelay.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pyroscoperelay.upload.ClientReply;
import io.vertx.grpc.common.GrpcStatus;
import java.util.Locale;

/**
 * The relay's HTTP statuses as gRPC status codes (Vert.x's {@link GrpcStatus}: the numbers and names of
 * {@code google.rpc.Code}) and back, as Connect's protocol maps them (connectrpc.com/docs/protocol#error-codes), and
 * the error bodies of Connect and of OTLP/HTTP.
 */
public final class StatusCodes {
    private StatusCodes() {}

    /** The code for an HTTP status the relay answers with. */
    public static GrpcStatus forHttp(int status) {
        return switch (status) {
            case 200 -> GrpcStatus.OK;
            case 400 -> GrpcStatus.INVALID_ARGUMENT;
            case 401 -> GrpcStatus.UNAUTHENTICATED;
            case 403 -> GrpcStatus.PERMISSION_DENIED;
            case 404 -> GrpcStatus.NOT_FOUND;
            case 408, 504 -> GrpcStatus.DEADLINE_EXCEEDED;
            case 409 -> GrpcStatus.ALREADY_EXISTS;
            case 412 -> GrpcStatus.FAILED_PRECONDITION;
            case 413, 429 -> GrpcStatus.RESOURCE_EXHAUSTED;
            case 501 -> GrpcStatus.UNIMPLEMENTED;
            case 502, 503 -> GrpcStatus.UNAVAILABLE;
            default -> status >= 400 && status < 500 ? GrpcStatus.FAILED_PRECONDITION : GrpcStatus.INTERNAL;
        };
    }

    /** The HTTP status of a Connect error with this code. */
    public static int httpOf(GrpcStatus code) {
        return switch (code) {
            case OK -> 200;
            case CANCELLED -> 499;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case DEADLINE_EXCEEDED -> 504;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case PERMISSION_DENIED -> 403;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case UNAUTHENTICATED -> 401;
            default -> 500;
        };
    }

    /** The code's name in Connect's JSON ({@code invalid_argument}); Connect spells CANCELLED with one L. */
    public static String connectName(GrpcStatus code) {
        return code == GrpcStatus.CANCELLED ? "canceled" : code.name().toLowerCase(Locale.ROOT);
    }

    /** A Connect error body: {@code {"code":"unavailable","message":"..."}}. */
    public static byte[] connectError(GrpcStatus code, String message) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("code", connectName(code));
        error.put("message", message.strip());
        return bytes(error);
    }

    /** A google.rpc.Status in JSON: {@code {"code":14,"message":"..."}} (OTLP/HTTP's JSON error body). */
    public static byte[] statusJson(GrpcStatus code, String message) {
        ObjectNode status = Json.MAPPER.createObjectNode();
        status.put("code", code.code);
        status.put("message", message.strip());
        return bytes(status);
    }

    private static byte[] bytes(ObjectNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e); // an ObjectNode of two fields always writes
        }
    }

    /** Jackson is loaded with the first error body, not with the relay. */
    /** A Connect error reply (JSON), whose HTTP status follows from its code; 415 stays plain HTTP, as Connect says. */
    static ClientReply connectRefusal(int status, String message) {
        if (status == 415) {
            return ClientReply.text(status, message);
        }
        GrpcStatus code = forHttp(status);
        return new ClientReply(httpOf(code), "application/json", connectError(code, message), message.strip());
    }

    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
