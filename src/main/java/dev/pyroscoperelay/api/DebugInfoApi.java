package dev.pyroscoperelay.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.ShouldInitiateUploadRequest;
import dev.pyroscoperelay.proto.debuginfo.v1alpha1.UploadFinishedRequest;
import dev.pyroscoperelay.upload.ClientReply;
import dev.pyroscoperelay.upload.DebugInfoCall;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import dev.pyroscoperelay.upload.WriteOutcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Pyroscope's debug-info API, which the eBPF profiler uses to send the symbols of its executables (Alloy's
 * {@code pyroscope.receive_http} relays it): the Connect unary calls {@code DebuginfoService/ShouldInitiateUpload}
 * and {@code UploadFinished}, and the upload of the file itself, {@code POST DebuginfoService/Upload/{gnu_build_id}}
 * (raw bytes, possibly hundreds of MB, streamed). A call goes to one destination and its answer back as it is.
 */
public final class DebugInfoApi implements UploadApi {
    public static final DebugInfoApi API = new DebugInfoApi();

    private static final String SERVICE = "/debuginfo.v1alpha1.DebuginfoService/";
    public static final String SHOULD_INITIATE_UPLOAD = SERVICE + "ShouldInitiateUpload";
    public static final String UPLOAD_FINISHED = SERVICE + "UploadFinished";
    /** Followed by the GNU build id. */
    public static final String UPLOAD = SERVICE + "Upload/";

    /** A build id as Pyroscope takes it in the upload's path: one path segment. */
    private static final Pattern BUILD_ID = Pattern.compile("[A-Za-z0-9._-]{1,256}");

    private static final String PROTO = "application/proto";
    private static final String JSON = "application/json";

    private DebugInfoApi() {}

    @Override
    public String name() {
        return "debuginfo";
    }

    @Override
    public String path() {
        return SHOULD_INITIATE_UPLOAD;
    }

    @Override
    public boolean serves(String path) {
        return path.equals(SHOULD_INITIATE_UPLOAD)
                || path.equals(UPLOAD_FINISHED)
                || path.startsWith(UPLOAD)
                        && BUILD_ID.matcher(path.substring(UPLOAD.length())).matches();
    }

    @Override
    public String describe() {
        return "POST " + SHOULD_INITIATE_UPLOAD + ", POST " + UPLOAD_FINISHED + ", POST " + UPLOAD + "{gnu_build_id}";
    }

    @Override
    public boolean oneDestination() {
        return true;
    }

    /** The file upload is passed on as it arrives (spooled when large); the Connect calls are small. */
    @Override
    public boolean decodedInMemory() {
        return false;
    }

    /** The Connect calls' (JSON or proto); null for the file upload (plain text, as Alloy answers it). */
    @Override
    public String responseContentType(String requestContentType) {
        String type = MediaType.of(requestContentType);
        return type.equals(JSON) || type.equals(PROTO) ? type : null;
    }

    /** The Connect calls are checked against Pyroscope's messages (so a destination never gets what it cannot read). */
    @Override
    public ProfileUpload decode(
            String path,
            UploadBody body,
            String contentType,
            String contentEncoding,
            String rawQuery,
            long maxMessage) {
        Map<String, String> protocol = Map.of();
        if (!path.startsWith(UPLOAD)) {
            String type = MediaType.of(contentType);
            if (!type.equals(JSON) && !type.equals(PROTO)) {
                throw new InvalidProfileException(
                        415,
                        "unsupported Content-Type '" + contentType
                                + "' for the debug-info API: use application/proto or application/json");
            }
            if (!body.inMemory()) {
                throw new InvalidProfileException(413, "debug-info call too large");
            }
            byte[] message = GzipBody.decode(body.bytes(), contentEncoding, maxMessage);
            check(
                    path.equals(SHOULD_INITIATE_UPLOAD)
                            ? ShouldInitiateUploadRequest.newBuilder()
                            : UploadFinishedRequest.newBuilder(),
                    message,
                    type.equals(JSON));
            protocol = Map.of("Connect-Protocol-Version", "1");
        }
        return new DebugInfoCall(this, path, body, contentType, contentEncoding, protocol);
    }

    private static void check(Message.Builder builder, byte[] message, boolean json) {
        try {
            if (json) {
                ProtoJson.PARSER.merge(new String(message, StandardCharsets.UTF_8), builder);
            } else {
                builder.mergeFrom(message);
            }
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidProfileException("malformed " + (json ? "json" : "proto") + " "
                    + builder.getDescriptorForType().getName() + ": " + e.getMessage());
        }
    }

    /** Used only when no destination answered: a destination's answer goes back as it is. */
    @Override
    public ClientReply accepted(List<WriteOutcome> outcomes, String responseContentType) {
        if (responseContentType == null) {
            return ClientReply.text(200, "");
        }
        byte[] empty = JSON.equals(responseContentType) ? "{}".getBytes(StandardCharsets.UTF_8) : new byte[0];
        return new ClientReply(200, responseContentType, empty, "");
    }

    /** A Connect error for the calls (as {@link PushApi}); plain text for the file upload, as Alloy answers it. */
    @Override
    public ClientReply refused(int status, String message, String responseContentType) {
        return responseContentType == null
                ? ClientReply.text(status, message)
                : StatusCodes.connectRefusal(status, message);
    }
}
