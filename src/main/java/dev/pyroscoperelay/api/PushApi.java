package dev.pyroscoperelay.api;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.upload.ClientReply;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.PushUpload;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import dev.pyroscoperelay.upload.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Pyroscope's push API, {@code push.v1.PusherService/Push}: a Connect unary call (application/proto or
 * application/json, identity or gzip) or a gRPC call on the same path. Labels are rewritten per series; errors are
 * Connect errors.
 */
public final class PushApi implements UploadApi {
    public static final PushApi API = new PushApi();

    public static final String PATH = "/push.v1.PusherService/Push";

    private static final String PROTO = "application/proto";
    private static final String JSON = "application/json";

    private PushApi() {}

    @Override
    public String name() {
        return "push";
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public String grpcPath() {
        return PATH;
    }

    @Override
    public String responseContentType(String requestContentType) {
        return JSON.equals(MediaType.of(requestContentType)) ? JSON : PROTO;
    }

    @Override
    public ProfileUpload decode(
            String path,
            UploadBody uploaded,
            String contentType,
            String contentEncoding,
            String rawQuery,
            long maxMessage) {
        String type = MediaType.of(contentType);
        boolean json = type.equals(JSON);
        if (!json
                && !type.equals(PROTO)
                && !type.equals("application/protobuf")
                && !type.equals("application/x-protobuf")
                && !MediaType.isGrpc(type)) {
            throw new InvalidProfileException(
                    415,
                    "unsupported Content-Type '" + contentType
                            + "' for the push API: use application/proto or application/json");
        }
        if (!uploaded.inMemory()) {
            throw new InvalidProfileException(413, "push request too large to decode");
        }
        byte[] body = uploaded.bytes();
        byte[] message = GzipBody.decode(body, contentEncoding, maxMessage);
        try {
            PushRequest request;
            if (json) {
                PushRequest.Builder b = PushRequest.newBuilder();
                ProtoJson.PARSER.merge(new String(message, StandardCharsets.UTF_8), b);
                request = b.build();
            } else {
                request = PushRequest.parseFrom(message);
            }
            return new PushUpload(this, request, body.length);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidProfileException(
                    "malformed " + (json ? "json" : "proto") + " PushRequest: " + e.getMessage());
        }
    }

    /** An empty PushResponse. */
    @Override
    public ClientReply accepted(List<WriteOutcome> outcomes, String responseContentType) {
        byte[] empty = JSON.equals(responseContentType) ? "{}".getBytes(StandardCharsets.UTF_8) : new byte[0];
        return new ClientReply(200, responseContentType, empty, "");
    }

    /** A Connect error, whose HTTP status follows from its code; 415 stays plain HTTP, as Connect says. */
    @Override
    public ClientReply refused(int status, String message, String responseContentType) {
        return StatusCodes.connectRefusal(status, message);
    }
}
