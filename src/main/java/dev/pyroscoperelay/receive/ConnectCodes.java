package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.upload.WriteOutcome;

/** Connect protocol error codes and their HTTP statuses (connectrpc.com/docs/protocol#error-codes). */
final class ConnectCodes {
    private ConnectCodes() {}

    /** The Connect code for an HTTP status the relay answers with. */
    static String forStatus(int status) {
        return switch (status) {
            case 400 -> "invalid_argument";
            case 401 -> "unauthenticated";
            case 403 -> "permission_denied";
            case 404 -> "not_found";
            case 408, 504 -> "deadline_exceeded";
            case 409 -> "already_exists";
            case 412 -> "failed_precondition";
            case 413, 429 -> "resource_exhausted";
            case 501 -> "unimplemented";
            case 502, 503 -> "unavailable";
            default -> status >= 400 && status < 500 ? "failed_precondition" : "internal";
        };
    }

    /** The HTTP status of a Connect code, as the spec maps it. */
    static int statusOf(String code) {
        return switch (code) {
            case "canceled" -> 499;
            case "invalid_argument", "failed_precondition", "out_of_range" -> 400;
            case "deadline_exceeded" -> 504;
            case "not_found" -> 404;
            case "already_exists", "aborted" -> 409;
            case "permission_denied" -> 403;
            case "resource_exhausted" -> 429;
            case "unimplemented" -> 501;
            case "unavailable" -> 503;
            case "unauthenticated" -> 401;
            default -> 500;
        };
    }

    /** What a push client is told about a failed writer: unreachable and 5xx are unavailable, timeouts deadline_exceeded. */
    static String forOutcome(WriteOutcome o) {
        return switch (o.kind()) {
            case TIMEOUT -> "deadline_exceeded";
            case SERVER_ERROR, UNREACHABLE -> "unavailable";
            case REJECTED, INVALID -> o.status() >= 400 && o.status() < 500 ? forStatus(o.status()) : "unavailable";
            case OK -> "ok";
        };
    }

    /** The gRPC status number of a Connect code (the same code set, by name). */
    static int grpcNumber(String code) {
        return switch (code) {
            case "ok" -> 0;
            case "canceled" -> 1;
            case "invalid_argument" -> 3;
            case "deadline_exceeded" -> 4;
            case "not_found" -> 5;
            case "already_exists" -> 6;
            case "permission_denied" -> 7;
            case "resource_exhausted" -> 8;
            case "failed_precondition" -> 9;
            case "aborted" -> 10;
            case "out_of_range" -> 11;
            case "unimplemented" -> 12;
            case "internal" -> 13;
            case "unavailable" -> 14;
            case "data_loss" -> 15;
            case "unauthenticated" -> 16;
            default -> 2; // unknown
        };
    }

    static String errorJson(String code, String message) {
        return jsonWithMessage(new StringBuilder("{\"code\":\"").append(code).append("\",\"message\":\""), message);
    }

    /** A google.rpc.Status in JSON (OTLP/HTTP's JSON error body). */
    static String statusJson(int code, String message) {
        return jsonWithMessage(new StringBuilder("{\"code\":").append(code).append(",\"message\":\""), message);
    }

    private static String jsonWithMessage(StringBuilder sb, String message) {
        for (char c : message.strip().toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append("\"}").toString();
    }
}
