package dev.pyroscoperelay.receive;

import java.util.Map;

/**
 * The defaults of {@code kamelet:pyroscope-receive}, in one place. The Kamelet YAML repeats them for its catalog
 * ({@code KameletDefaultsTest} checks that every {@code default:} there equals the value here).
 */
public final class ReceiverDefaults {
    public static final String LISTEN_ADDRESS = "0.0.0.0";
    public static final int LISTEN_PORT = 9999;
    /** 256 MiB, as Alloy's receive_http. */
    public static final long MAX_BODY_SIZE = 268_435_456L;
    /** Every Pyroscope SDK gives up after 10 s. */
    public static final String CLIENT_TIMEOUT = "10s";
    /** 0: the route runs on the event loop that read the request. */
    public static final int WORKER_THREADS = 0;
    /** Alloy's server_read_timeout. */
    public static final String READ_TIMEOUT = "30s";
    /** Alloy's server_idle_timeout. */
    public static final String IDLE_TIMEOUT = "120s";
    /** Alloy's conn_limit. */
    public static final int MAX_CONNECTIONS = 16384;
    /** No client certificates asked for. */
    public static final String TLS_CLIENT_AUTH = "none";

    public static final boolean H2C = false;
    /** Alloy's debug_info_upload_timeout default. */
    public static final String DEBUG_INFO_UPLOAD_TIMEOUT = "2m";
    /** Alloy's http > tls > min_version default. */
    public static final String TLS_MIN_VERSION = "TLS12";

    private ReceiverDefaults() {}

    /** Kamelet parameter name to default value. */
    public static Map<String, Object> byParameter() {
        return Map.ofEntries(
                Map.entry("listenAddress", LISTEN_ADDRESS),
                Map.entry("listenPort", LISTEN_PORT),
                Map.entry("maxBodySize", MAX_BODY_SIZE),
                Map.entry("clientTimeout", CLIENT_TIMEOUT),
                Map.entry("workerThreads", WORKER_THREADS),
                Map.entry("readTimeout", READ_TIMEOUT),
                Map.entry("idleTimeout", IDLE_TIMEOUT),
                Map.entry("maxConnections", MAX_CONNECTIONS),
                Map.entry("tlsClientAuth", TLS_CLIENT_AUTH),
                Map.entry("h2c", H2C),
                Map.entry("debugInfoUploadTimeout", DEBUG_INFO_UPLOAD_TIMEOUT),
                Map.entry("tlsMinVersion", TLS_MIN_VERSION));
    }
}
