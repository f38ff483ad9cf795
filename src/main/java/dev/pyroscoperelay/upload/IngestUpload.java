package dev.pyroscoperelay.upload;

import java.util.Map;

/** A legacy /ingest upload: the body goes out byte for byte, only the {@code name} parameter changes. */
public final class IngestUpload implements ProfileUpload {
    private final UploadApi api;
    private final UploadBody body;
    private final String contentType;
    private final String contentEncoding;
    private final IngestQuery query;
    /** The last rewrite: writers of a multicast usually apply the same labels, so the query is rewritten once. */
    private volatile Rewritten last;

    private record Rewritten(Map<String, String> externalLabels, OutgoingRequest request) {}

    public IngestUpload(UploadApi api, UploadBody body, String contentType, String contentEncoding, IngestQuery query) {
        this.api = api;
        this.body = body;
        this.contentType = contentType;
        this.contentEncoding = contentEncoding;
        this.query = query;
    }

    @Override
    public long receivedBytes() {
        return body.length();
    }

    @Override
    public int profileCount() {
        return 1;
    }

    @Override
    public Map<String, String> commonLabels() {
        return query.name().labels();
    }

    @Override
    public ProfileUpload relabel(java.util.function.UnaryOperator<Map<String, String>> rules) {
        Map<String, String> labels = rules.apply(query.name().labels());
        if (labels == null) {
            return new NothingLeft(receivedBytes(), 1);
        }
        labels.keySet().removeIf(ReservedLabels::leftOutOfSeries);
        return new IngestUpload(
                api,
                body,
                contentType,
                contentEncoding,
                query.withName(query.name().withLabels(labels)));
    }

    @Override
    public OutgoingRequest toDestination(Map<String, String> externalLabels) {
        Rewritten r = last;
        if (r != null && r.externalLabels.equals(externalLabels)) {
            return r.request;
        }
        OutgoingRequest request = new OutgoingRequest(
                api, api.path() + "?" + query.rewrite(externalLabels), body, contentType, contentEncoding, Map.of());
        last = new Rewritten(externalLabels, request);
        return request;
    }
}
