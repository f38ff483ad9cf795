package dev.pyroscoperelay.upload;

import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A push API request ({@code push.v1.PusherService/Push}). Labels are rewritten per series; the raw profiles and
 * sample IDs are passed on untouched (the same ByteStrings, never copied).
 */
public final class PushUpload implements ProfileUpload {
    private final UploadApi api;
    private final PushRequest request;
    private final long receivedBytes;
    private final int profiles;

    /** Checks the client's labels (after dropping private ones) so a refused series is refused before any write. */
    public PushUpload(UploadApi api, PushRequest request, long receivedBytes) {
        this.api = api;
        this.request = request;
        this.receivedBytes = receivedBytes;
        int n = 0;
        for (RawProfileSeries s : request.getSeriesList()) {
            LabelLimits.check(labels(s, Map.of()));
            n += s.getSamplesCount();
        }
        this.profiles = n;
    }

    @Override
    public long receivedBytes() {
        return receivedBytes;
    }

    @Override
    public int profileCount() {
        return profiles;
    }

    @Override
    public Map<String, String> commonLabels() {
        Map<String, String> common = null;
        for (RawProfileSeries s : request.getSeriesList()) {
            Map<String, String> labels = new TreeMap<>();
            s.getLabelsList().forEach(p -> labels.put(p.getName(), p.getValue()));
            if (common == null) {
                common = labels;
            } else {
                common.entrySet().removeIf(e -> !e.getValue().equals(labels.get(e.getKey())));
            }
        }
        return common == null ? Map.of() : java.util.Collections.unmodifiableMap(common);
    }

    @Override
    public int seriesCount() {
        return request.getSeriesCount();
    }

    /** Rules see every label of a series, private ones too; private ones are still dropped when sent. */
    @Override
    public ProfileUpload relabel(java.util.function.UnaryOperator<Map<String, String>> rules) {
        PushRequest.Builder out = PushRequest.newBuilder();
        for (RawProfileSeries s : request.getSeriesList()) {
            Map<String, String> raw = new TreeMap<>();
            s.getLabelsList().forEach(p -> raw.put(p.getName(), p.getValue()));
            Map<String, String> labels = rules.apply(raw);
            if (labels == null) {
                continue;
            }
            RawProfileSeries.Builder series = RawProfileSeries.newBuilder().addAllSamples(s.getSamplesList());
            labels.forEach(
                    (k, v) -> series.addLabels(LabelPair.newBuilder().setName(k).setValue(v)));
            out.addSeries(series);
        }
        if (out.getSeriesCount() == 0) {
            return new NothingLeft(receivedBytes, request.getSeriesCount());
        }
        return out.getSeriesCount() == request.getSeriesCount() && out.build().equals(request)
                ? this
                : new PushUpload(api, out.build(), receivedBytes);
    }

    @Override
    public List<ProfileUpload> splitBy(String label) {
        Map<String, PushRequest.Builder> parts = new LinkedHashMap<>();
        for (RawProfileSeries s : request.getSeriesList()) {
            String value = null;
            for (LabelPair p : s.getLabelsList()) {
                if (p.getName().equals(label)) {
                    value = p.getValue();
                }
            }
            parts.computeIfAbsent(value, v -> PushRequest.newBuilder()).addSeries(s);
        }
        if (parts.size() <= 1) {
            return List.of(this);
        }
        List<ProfileUpload> out = new ArrayList<>(parts.size());
        for (PushRequest.Builder part : parts.values()) {
            PushRequest r = part.build();
            // each part counts the bytes of its own series, so the parts add up to about what was received
            out.add(new PushUpload(api, r, r.getSerializedSize()));
        }
        return out;
    }

    @Override
    public OutgoingRequest toDestination(Map<String, String> externalLabels) {
        PushRequest.Builder out = PushRequest.newBuilder();
        for (RawProfileSeries s : request.getSeriesList()) {
            Map<String, String> labels = labels(s, externalLabels);
            LabelLimits.check(labels);
            RawProfileSeries.Builder series = RawProfileSeries.newBuilder().addAllSamples(s.getSamplesList());
            labels.forEach(
                    (k, v) -> series.addLabels(LabelPair.newBuilder().setName(k).setValue(v)));
            out.addSeries(series);
        }
        return new OutgoingRequest(
                api,
                api.path(),
                UploadBody.inMemory(out.build().toByteArray()),
                "application/proto",
                null,
                Map.of("Connect-Protocol-Version", "1"));
    }

    /** Labels of one series: private labels dropped (but __name__ and __delta__), external labels applied, sorted. */
    static Map<String, String> labels(RawProfileSeries series, Map<String, String> external) {
        Map<String, String> labels = new TreeMap<>();
        for (LabelPair p : series.getLabelsList()) {
            String name = p.getName();
            if (ReservedLabels.leftOutOfSeries(name)) {
                continue;
            }
            labels.put(name, p.getValue());
        }
        ExternalLabels.apply(external, labels);
        return labels;
    }
}
