package dev.pyroscoperelay.upload;

import java.nio.charset.StandardCharsets;

/**
 * The answer to a client, as its API writes it.
 *
 * @param status the HTTP status (a gRPC call gets the matching gRPC status)
 * @param contentType null for none
 * @param reason why a request failed, for a gRPC status message and the log; empty on success
 */
public record ClientReply(int status, String contentType, byte[] body, String reason) {
    public static final String TEXT = "text/plain; charset=utf-8";

    /** A plain-text answer (the /ingest API's, and what every API says before it knows the request's encoding). */
    public static ClientReply text(int status, String text) {
        String line = text.endsWith("\n") ? text : text + "\n";
        return new ClientReply(status, TEXT, line.getBytes(StandardCharsets.UTF_8), text.strip());
    }
}
