package dev.pyroscoperelay.api;

import java.util.Locale;

/** The one rule for a Content-Type: its media type, without parameters, lower case; empty when there is none. */
final class MediaType {
    private MediaType() {}

    static String of(String contentType) {
        return contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    }

    /** gRPC's message types: the message without its framing (the receiver's gRPC calls take the framing off). */
    static boolean isGrpc(String mediaType) {
        return mediaType.equals("application/grpc") || mediaType.equals("application/grpc+proto");
    }
}
