package dev.pyroscoperelay.upload;

import java.util.List;

/**
 * One way profiles arrive (an API of Pyroscope's that a receiver serves), all in one place: its paths, how a request
 * becomes an upload, how its clients are answered, and how a destination's answer is read. The implementations are
 * in {@code dev.pyroscoperelay.api}, one file each, listed in {@code UploadApis}.
 */
public interface UploadApi {
    /** Its name: the {@code api} label of the metrics and the API of a Kafka record. */
    String name();

    /** The HTTP path it is served on, and sent to below a destination's base path. */
    String path();

    /** Whether a request to this HTTP path (or gRPC method path) is one of this API's. */
    default boolean serves(String path) {
        return path().equals(path) || path.equals(grpcPath());
    }

    /** What it serves, for a 404 ("POST /ingest"). */
    default String describe() {
        return "POST " + path();
    }

    /**
     * Whether a call goes to exactly one destination and its answer back to the client as it is (debug info): no
     * labels, relabel rules, Kafka or durable buffer; within the receiver's {@code debugInfoUploadTimeout}.
     */
    default boolean oneDestination() {
        return false;
    }

    /** The path of its gRPC method, or null when it has none. */
    default String grpcPath() {
        return null;
    }

    /** Whether the relay decodes a request (so it must fit in memory); otherwise its body is passed on as it is. */
    default boolean decodedInMemory() {
        return true;
    }

    /** The Content-Type of the answers to a request sent with {@code requestContentType}. */
    default String responseContentType(String requestContentType) {
        return ClientReply.TEXT;
    }

    /**
     * The validated upload of a request body (also what a Kafka record carries); throws
     * {@link InvalidProfileException} (a 4xx) for what no writer could send.
     */
    ProfileUpload decode(
            String path, UploadBody body, String contentType, String contentEncoding, String rawQuery, long maxMessage);

    /** The answer when every destination took the upload. */
    ClientReply accepted(List<WriteOutcome> outcomes, String responseContentType);

    /** The answer that says {@code status} (an HTTP status, mapped to the API's own codes) with a reason. */
    ClientReply refused(int status, String message, String responseContentType);

    /** What a destination's 2xx answer says beyond success (OTLP's partial success), or null. */
    default PartialSuccess partialSuccess(byte[] answer, String contentType) {
        return null;
    }
}
