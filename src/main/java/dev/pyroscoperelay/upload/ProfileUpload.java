package dev.pyroscoperelay.upload;

import java.util.Map;

/**
 * What a receiver hands to the route as the exchange body: one client request, already validated.
 * Immutable, because a multicast gives the same object to every branch.
 */
public interface ProfileUpload {

    /** Bytes received from the client. */
    long receivedBytes();

    /** Number of profiles the request carries (1 for /ingest, the sample count for push). */
    int profileCount();

    /**
     * The upload with relabel rules applied to the labels of each series ({@code rules} returns null to drop one);
     * {@link NothingLeft} when no series is left.
     */
    ProfileUpload relabel(java.util.function.UnaryOperator<Map<String, String>> rules);

    /** The service_name of every series of the upload, or null when they differ or there is none. */
    default String serviceName() {
        return commonLabels().get(IngestName.SERVICE_NAME);
    }

    /** The labels (name and value) that every series of the upload has; empty when there is no series. */
    default Map<String, String> commonLabels() {
        return Map.of();
    }

    /** Series this upload carries (1 for /ingest). */
    default int seriesCount() {
        return 1;
    }

    /**
     * The upload as one upload per value of {@code label} (series without it form one more), in the order the values
     * first appear; the upload itself when all its series have the same value.
     */
    default java.util.List<ProfileUpload> splitBy(String label) {
        return java.util.List.of(this);
    }

    /** The request one destination gets, with that destination's external labels applied. */
    OutgoingRequest toDestination(Map<String, String> externalLabels);

    /**
     * A request for one destination, with the API it belongs to (how its answer is read); the body may be shared
     * between destinations and is never modified.
     */
    record OutgoingRequest(
            UploadApi api,
            String pathAndQuery,
            UploadBody body,
            String contentType,
            String contentEncoding,
            Map<String, String> protocolHeaders) {}
}
