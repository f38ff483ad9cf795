package dev.pyroscoperelay.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.pyroscoperelay.proto.rpc.Status;
import dev.pyroscoperelay.upload.ClientReply;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.OtlpUpload;
import dev.pyroscoperelay.upload.PartialSuccess;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import dev.pyroscoperelay.upload.WriteOutcome;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceRequest;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenTelemetry profiles as Pyroscope takes them: OTLP/HTTP {@code POST /v1development/profiles}
 * (application/x-protobuf or application/json, identity or gzip, size-limited after decompression) and the gRPC
 * {@code ProfilesService/Export}. Answers are in the request's encoding: an ExportProfilesServiceResponse with the
 * destinations' partial successes, or a google.rpc.Status.
 */
public final class OtlpApi implements UploadApi {
    public static final OtlpApi API = new OtlpApi();

    public static final String PATH = "/v1development/profiles";

    public static final String GRPC_PATH =
            "/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export";

    private OtlpApi() {}

    @Override
    public String name() {
        return "otlp";
    }

    @Override
    public String path() {
        return PATH;
    }

    @Override
    public String grpcPath() {
        return GRPC_PATH;
    }

    @Override
    public String responseContentType(String requestContentType) {
        return OtlpUpload.JSON.equals(MediaType.of(requestContentType)) ? OtlpUpload.JSON : OtlpUpload.PROTOBUF;
    }

    @Override
    public ProfileUpload decode(
            String path,
            UploadBody body,
            String contentType,
            String contentEncoding,
            String rawQuery,
            long maxMessage) {
        String type = MediaType.of(contentType);
        boolean protobuf = OtlpUpload.PROTOBUF.equals(type) || MediaType.isGrpc(type);
        if (!protobuf && !OtlpUpload.JSON.equals(type)) {
            throw new InvalidProfileException(
                    415,
                    "unsupported Content-Type '" + contentType
                            + "' for OTLP profiles: use application/x-protobuf or application/json");
        }
        if (!body.inMemory()) {
            throw new InvalidProfileException(413, "OTLP request too large to decode");
        }
        byte[] message = GzipBody.decode(body.bytes(), contentEncoding, maxMessage);
        if (protobuf) {
            try {
                return OtlpUpload.ofProtobuf(
                        this, ExportProfilesServiceRequest.parseFrom(message), body, contentEncoding);
            } catch (InvalidProtocolBufferException e) {
                throw new InvalidProfileException("malformed protobuf ExportProfilesServiceRequest: " + e.getMessage());
            }
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(message);
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
        return OtlpUpload.ofJson(this, request, body, contentEncoding);
    }

    /** An ExportProfilesServiceResponse: empty, or with the destinations' partial successes summed. */
    @Override
    public ClientReply accepted(List<WriteOutcome> outcomes, String responseContentType) {
        List<PartialSuccess> partial = new ArrayList<>();
        for (WriteOutcome o : outcomes) {
            if (o.partial() != null) {
                partial.add(new PartialSuccess(
                        o.partial().rejectedProfiles(),
                        "writer \"" + o.writer() + "\": " + o.partial().errorMessage()));
            }
        }
        return new ClientReply(
                200,
                responseContentType,
                PartialSuccess.response(partial, OtlpUpload.JSON.equals(responseContentType)),
                "");
    }

    /** A google.rpc.Status in the request's encoding; clients retry 429, 502, 503 and 504. */
    @Override
    public ClientReply refused(int status, String message, String responseContentType) {
        GrpcStatus code = StatusCodes.forHttp(status);
        byte[] body = OtlpUpload.JSON.equals(responseContentType)
                ? StatusCodes.statusJson(code, message)
                : Status.newBuilder()
                        .setCode(code.code)
                        .setMessage(message.strip())
                        .build()
                        .toByteArray();
        return new ClientReply(status, responseContentType, body, message.strip());
    }

    @Override
    public PartialSuccess partialSuccess(byte[] answer, String contentType) {
        return PartialSuccess.of(answer, contentType);
    }

    /** Jackson is loaded with the first JSON export, not with the relay (an /ingest-only relay never needs it). */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }
}
