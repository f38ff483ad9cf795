package dev.pyroscoperelay.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.ByteString;
import dev.pyroscoperelay.api.PushApi;
import dev.pyroscoperelay.proto.push.v1.PushRequest;
import dev.pyroscoperelay.proto.push.v1.RawProfileSeries;
import dev.pyroscoperelay.proto.push.v1.RawSample;
import dev.pyroscoperelay.proto.types.v1.LabelPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PushUploadSplitTest {
    private static RawProfileSeries series(String sample, String... labels) {
        RawProfileSeries.Builder b = RawProfileSeries.newBuilder()
                .addSamples(RawSample.newBuilder().setRawProfile(ByteString.copyFromUtf8(sample)));
        for (int i = 0; i < labels.length; i += 2) {
            b.addLabels(LabelPair.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
        }
        return b.build();
    }

    private static List<String> samples(ProfileUpload part) throws Exception {
        PushRequest r =
                PushRequest.parseFrom(part.toDestination(Map.of()).body().bytes());
        return r.getSeriesList().stream()
                .map(s -> s.getSamples(0).getRawProfile().toStringUtf8())
                .toList();
    }

    @Test
    void onePartPerValueInTheOrderValuesFirstAppearSeriesWithoutTheLabelTogether() throws Exception {
        PushUpload upload = new PushUpload(
                PushApi.API,
                PushRequest.newBuilder()
                        .addSeries(series("a1", "service_name", "a", "namespace", "x"))
                        .addSeries(series("none1", "namespace", "x"))
                        .addSeries(series("b1", "service_name", "b"))
                        .addSeries(series("a2", "service_name", "a"))
                        .addSeries(series("none2"))
                        .build(),
                100);
        List<ProfileUpload> parts = upload.splitBy("service_name");
        assertEquals(3, parts.size());
        assertEquals(List.of("a1", "a2"), samples(parts.get(0)));
        assertEquals(List.of("none1", "none2"), samples(parts.get(1)));
        assertEquals(List.of("b1"), samples(parts.get(2)));
        assertEquals("a", parts.get(0).serviceName());
        assertEquals(Map.of("service_name", "b"), parts.get(2).commonLabels());
        assertEquals(5, parts.stream().mapToInt(ProfileUpload::profileCount).sum());
    }

    @Test
    void oneValueIsTheUploadItself() {
        PushUpload upload = new PushUpload(
                PushApi.API,
                PushRequest.newBuilder()
                        .addSeries(series("a1", "service_name", "a", "namespace", "x"))
                        .addSeries(series("a2", "service_name", "a", "namespace", "y"))
                        .build(),
                100);
        assertSame(upload, upload.splitBy("service_name").get(0));
        assertEquals(1, upload.splitBy("service_name").size());
        assertEquals(2, upload.splitBy("namespace").size());
        assertSame(upload, upload.splitBy("no_such_label").get(0));
    }
}
