package dev.pyroscoperelay.upload;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesPartialSuccess;
import io.opentelemetry.proto.collector.profiles.v1development.ExportProfilesServiceResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * OTLP's partial success: a destination took the export but rejected some profiles (or warns). Passed on to the
 * client, summed over the destinations that reported one, so an OTLP client sees what was dropped.
 */
public record PartialSuccess(long rejectedProfiles, String errorMessage) {

    /** The partial success in a destination's 2xx answer to an OTLP export; null when there is none. */
    public static PartialSuccess of(byte[] answer, String contentType) {
        if (answer == null || answer.length == 0) {
            return null;
        }
        try {
            ExportProfilesServiceResponse r;
            if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                ExportProfilesServiceResponse.Builder b = ExportProfilesServiceResponse.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(new String(answer, StandardCharsets.UTF_8), b);
                r = b.build();
            } else {
                r = ExportProfilesServiceResponse.parseFrom(answer);
            }
            if (!r.hasPartialSuccess()) {
                return null;
            }
            ExportProfilesPartialSuccess p = r.getPartialSuccess();
            return p.getRejectedProfiles() == 0 && p.getErrorMessage().isEmpty()
                    ? null
                    : new PartialSuccess(p.getRejectedProfiles(), p.getErrorMessage());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return null; // an answer that is not an ExportProfilesServiceResponse: a plain success
        }
    }

    /** The client's answer: an ExportProfilesServiceResponse with the destinations' partial successes summed. */
    public static byte[] response(List<PartialSuccess> parts, boolean json) {
        ExportProfilesServiceResponse.Builder r = ExportProfilesServiceResponse.newBuilder();
        if (!parts.isEmpty()) {
            long rejected = 0;
            StringBuilder messages = new StringBuilder();
            for (PartialSuccess p : parts) {
                rejected += p.rejectedProfiles();
                if (!p.errorMessage().isEmpty()) {
                    messages.append(messages.length() == 0 ? "" : "; ").append(p.errorMessage());
                }
            }
            r.setPartialSuccess(ExportProfilesPartialSuccess.newBuilder()
                    .setRejectedProfiles(rejected)
                    .setErrorMessage(messages.toString()));
        }
        if (!json) {
            return r.build().toByteArray();
        }
        try {
            return JsonFormat.printer()
                    .omittingInsignificantWhitespace()
                    .print(r)
                    .getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
