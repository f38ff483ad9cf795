package dev.pyroscoperelay.receive;

/** The two paths a receiver serves. */
public enum ReceiverApi {
    INGEST("/ingest"),
    PUSH("/push.v1.PusherService/Push");

    private final String path;

    ReceiverApi(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** The value of the {@code api} metric label. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static ReceiverApi forPath(String path) {
        for (ReceiverApi api : values()) {
            if (api.path.equals(path)) {
                return api;
            }
        }
        return null;
    }
}
