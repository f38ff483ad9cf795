package dev.pyroscoperelay.receive;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.PushUpload;
import dev.pyroscoperelay.upload.UploadBody;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Decodes a Connect unary push request: application/proto or application/json, identity or gzip. */
final class PushRequestReader {
    private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();

    private PushRequestReader() {}

    /** The codec of a Connect unary request, from its Content-Type; null when unsupported. */
    static String codec(String contentType) {
        if (contentType == null) {
            return null;
        }
        String ct = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return switch (ct) {
            // gRPC: the message without its framing (GrpcCalls)
            case "application/proto",
                    "application/protobuf",
                    "application/x-protobuf",
                    "application/grpc",
                    "application/grpc+proto" -> "proto";
            case "application/json" -> "json";
            default -> null;
        };
    }

    static PushUpload read(UploadBody uploaded, String contentType, String contentEncoding, long maxBodySize) {
        String codec = codec(contentType);
        if (codec == null) {
            throw new InvalidProfileException(
                    415,
                    "unsupported Content-Type '" + contentType
                            + "' for the push API: use application/proto or application/json");
        }
        if (!uploaded.inMemory()) {
            throw new InvalidProfileException(413, "push request too large to decode");
        }
        byte[] body = uploaded.bytes();
        byte[] message = GzipBody.decode(body, contentEncoding, maxBodySize);
        try {
            PushRequest request;
            if (codec.equals("proto")) {
                request = PushRequest.parseFrom(message);
            } else {
                PushRequest.Builder b = PushRequest.newBuilder();
                JSON.merge(new String(message, StandardCharsets.UTF_8), b);
                request = b.build();
            }
            return new PushUpload(request, body.length);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidProfileException("malformed " + codec + " PushRequest: " + e.getMessage());
        }
    }
}
