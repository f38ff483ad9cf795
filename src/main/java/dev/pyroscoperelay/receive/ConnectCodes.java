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

    static String errorJson(String code, String message) {
        StringBuilder sb = new StringBuilder("{\"code\":\"").append(code).append("\",\"message\":\"");
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
