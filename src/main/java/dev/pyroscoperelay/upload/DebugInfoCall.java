package dev.pyroscoperelay.upload;

import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A debug-info call (one of the eBPF profiler's symbol uploads) passed on as it came: the same path, body and
 * protocol headers, to one destination. Labels and relabel rules do not apply to it.
 */
public final class DebugInfoCall implements ProfileUpload {
    private final UploadApi api;
    private final String path;
    private final UploadBody body;
    private final String contentType;
    private final String contentEncoding;
    private final Map<String, String> protocolHeaders;

    public DebugInfoCall(
            UploadApi api,
            String path,
            UploadBody body,
            String contentType,
            String contentEncoding,
            Map<String, String> protocolHeaders) {
        this.api = api;
        this.path = path;
        this.body = body;
        this.contentType = contentType;
        this.contentEncoding = contentEncoding;
        this.protocolHeaders = protocolHeaders;
    }

    /** The call's method: ShouldInitiateUpload, UploadFinished or Upload (for metrics and logs). */
    public String method() {
        String rest = path.substring(path.indexOf("DebuginfoService/") + "DebuginfoService/".length());
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    @Override
    public long receivedBytes() {
        return body.length();
    }

    @Override
    public int profileCount() {
        return 0;
    }

    @Override
    public ProfileUpload relabel(UnaryOperator<Map<String, String>> rules) {
        return this;
    }

    @Override
    public OutgoingRequest toDestination(Map<String, String> externalLabels) {
        return new OutgoingRequest(api, path, body, contentType, contentEncoding, protocolHeaders);
    }

    @Override
    public String toString() {
        return "DebugInfoCall[" + path + ", " + body.length() + " bytes]";
    }
}
