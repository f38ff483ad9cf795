package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayNames;

/** The paths a receiver serves. */
public enum ReceiverApi {
    INGEST(RelayNames.INGEST_PATH),
    PUSH(RelayNames.PUSH_PATH),
    OTLP(RelayNames.OTLP_PROFILES_PATH);

    private final String path;

    ReceiverApi(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** Whether the relay decodes the request (so it must fit in memory); an /ingest body is only passed on. */
    public boolean decodedInMemory() {
        return this != INGEST;
    }

    /** The value of the {@code api} metric label. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ReceiverApi forPath(String path) {
        if (RelayNames.OTLP_GRPC_PATH.equals(path)) {
            return OTLP; // the same export over gRPC
        }
        for (ReceiverApi api : values()) {
            if (api.path.equals(path)) {
                return api;
            }
        }
        return null;
    }
}
