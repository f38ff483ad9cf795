package dev.pyroscoperelay.api;

import dev.pyroscoperelay.upload.ClientReply;
import dev.pyroscoperelay.upload.IngestQuery;
import dev.pyroscoperelay.upload.IngestUpload;
import dev.pyroscoperelay.upload.InvalidProfileException;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.UploadApi;
import dev.pyroscoperelay.upload.UploadBody;
import dev.pyroscoperelay.upload.WriteOutcome;
import java.util.List;

/**
 * Pyroscope's {@code POST /ingest}: the SDKs' upload (pprof, JFR, collapsed, multipart; any encoding), passed on byte
 * for byte with only its {@code name} parameter rewritten. Answers are plain text.
 */
public final class IngestApi implements UploadApi {
    public static final IngestApi API = new IngestApi();

    public static final String PATH = "/ingest";

    private IngestApi() {}

    @Override
    public String name() {
        return "ingest";
    }

    @Override
    public String path() {
        return PATH;
    }

    /** The body is only passed on: a large one may wait in a file. */
    @Override
    public boolean decodedInMemory() {
        return false;
    }

    @Override
    public ProfileUpload decode(
            String path,
            UploadBody body,
            String contentType,
            String contentEncoding,
            String rawQuery,
            long maxMessage) {
        if (body.length() == 0) {
            throw new InvalidProfileException("empty body: /ingest needs the profile in the request body");
        }
        return new IngestUpload(this, body, contentType, contentEncoding, IngestQuery.parse(rawQuery));
    }

    @Override
    public ClientReply accepted(List<WriteOutcome> outcomes, String responseContentType) {
        return new ClientReply(200, null, new byte[0], "");
    }

    @Override
    public ClientReply refused(int status, String message, String responseContentType) {
        return ClientReply.text(status, message);
    }
}
