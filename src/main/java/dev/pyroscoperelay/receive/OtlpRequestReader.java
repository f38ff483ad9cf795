package dev.pyroscoperelay.receive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.OtlpUpload;
import dev.pyroscoperelay.upload.UploadBody;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import java.io.IOException;
import java.util.Locale;

/**
 * Decodes an OTLP/HTTP profiles export: {@code application/x-protobuf} or {@code application/json}, identity or gzip,
 * size-limited after decompression (as Pyroscope does).
 */
final class OtlpRequestReader {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OtlpRequestReader() {}

    /** The answer's Content-Type for a request's: OTLP answers in the encoding it was sent. */
    static String responseType(String contentType) {
        return OtlpUpload.JSON.equals(mediaType(contentType)) ? OtlpUpload.JSON : OtlpUpload.PROTOBUF;
    }

    static OtlpUpload read(UploadBody body, String contentType, String contentEncoding, long max) {
        String type = mediaType(contentType);
        if (!OtlpUpload.PROTOBUF.equals(type) && !OtlpUpload.JSON.equals(type)) {
            throw new InvalidProfileException(
                    415,
                    "unsupported Content-Type '" + contentType
                            + "' for OTLP profiles: use application/x-protobuf or application/json");
        }
        if (!body.inMemory()) {
            throw new InvalidProfileException(413, "OTLP request too large to decode");
        }
        byte[] message = GzipBody.decode(body.bytes(), contentEncoding, max);
        if (OtlpUpload.PROTOBUF.equals(type)) {
            try {
                return OtlpUpload.ofProtobuf(ExportProfilesServiceRequest.parseFrom(message), body, contentEncoding);
            } catch (InvalidProtocolBufferException e) {
                throw new InvalidProfileException("malformed protobuf ExportProfilesServiceRequest: " + e.getMessage());
            }
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(message);
        } catch (IOException e) {
            throw new InvalidProfileException("malformed JSON ExportProfilesServiceRequest: " + e.getMessage());
        }
        if (!(tree instanceof ObjectNode request)) {
            throw new InvalidProfileException("an OTLP JSON ExportProfilesServiceRequest must be a JSON object");
        }
        JsonNode resourceProfiles = request.path("resourceProfiles");
        if (!resourceProfiles.isMissingNode() && !resourceProfiles.isArray()) {
            throw new InvalidProfileException("resourceProfiles must be an array");
        }
        for (JsonNode rp : resourceProfiles) {
            if (!rp.isObject()
                    || !(rp.path("resource").isMissingNode()
                            || rp.path("resource").isObject())
                    || !(rp.path("resource").path("attributes").isMissingNode()
                            || rp.path("resource").path("attributes").isArray())) {
                throw new InvalidProfileException(
                        "each of resourceProfiles must be an object with an object resource and an array of attributes");
            }
        }
        return OtlpUpload.ofJson(request, body, contentEncoding);
    }

    private static String mediaType(String contentType) {
        String type =
                contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        // gRPC: the message without its framing (GrpcCalls)
        return type.equals("application/grpc") || type.equals("application/grpc+proto") ? OtlpUpload.PROTOBUF : type;
    }
}
