package dev.pyroscoperelay.upload;

import java.util.Map;

/**
 * What is left of an upload whose every series a relabel rule dropped: nothing is sent, and the client gets 200 (as
 * Alloy's pyroscope.relabel).
 */
public record NothingLeft(long receivedBytes, int droppedSeries) implements ProfileUpload {

    @Override
    public int profileCount() {
        return 0;
    }

    @Override
    public int seriesCount() {
        return 0;
    }

    @Override
    public ProfileUpload relabel(java.util.function.UnaryOperator<Map<String, String>> rules) {
        return this;
    }

    @Override
    public OutgoingRequest toDestination(Map<String, String> externalLabels) {
        throw new IllegalStateException("nothing is left to send of this upload");
    }
}
