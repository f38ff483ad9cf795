package dev.pyroscoperelay.write;

import java.util.Map;

/**
 * The defaults of {@code kamelet:pyroscope-write}, in one place. The Kamelet YAML repeats them for its catalog
 * ({@code KameletDefaultsTest} checks that every {@code default:} there equals the value here).
 */
public final class WriterDefaults {
    public static final String REMOTE_TIMEOUT = "10s";
    public static final String MIN_BACKOFF_PERIOD = "500ms";
    public static final String MAX_BACKOFF_PERIOD = "5m";
    public static final int MAX_BACKOFF_RETRIES = 10;
    public static final boolean RETRY_ON_HTTP_429 = true;
    public static final boolean TLS_INSECURE_SKIP_VERIFY = false;
    public static final int MAX_CONNECTIONS = 64;
    public static final String BUFFER_MAX_SIZE = "1GiB";
    public static final String BUFFER_MAX_AGE = "24h";
    public static final String BUFFER_WHEN_FULL = "reject";
    public static final boolean DEBUG_INFO = true;
    public static final String AUTHORIZATION_TYPE = "Bearer";
    public static final String TLS_MIN_VERSION = "TLS12";
    public static final boolean PROXY_FROM_ENVIRONMENT = false;
    public static final boolean FOLLOW_REDIRECTS = true;
    public static final boolean ENABLE_HTTP2 = true;
    public static final String DEBUG_INFO_UPLOAD_TIMEOUT = "2m";

    private WriterDefaults() {}

    /** Kamelet parameter name to default value. */
    public static Map<String, Object> byParameter() {
        return Map.ofEntries(
                Map.entry("remoteTimeout", REMOTE_TIMEOUT),
                Map.entry("minBackoffPeriod", MIN_BACKOFF_PERIOD),
                Map.entry("maxBackoffPeriod", MAX_BACKOFF_PERIOD),
                Map.entry("maxBackoffRetries", MAX_BACKOFF_RETRIES),
                Map.entry("retryOnHttp429", RETRY_ON_HTTP_429),
                Map.entry("tlsInsecureSkipVerify", TLS_INSECURE_SKIP_VERIFY),
                Map.entry("maxConnections", MAX_CONNECTIONS),
                Map.entry("bufferMaxSize", BUFFER_MAX_SIZE),
                Map.entry("bufferMaxAge", BUFFER_MAX_AGE),
                Map.entry("bufferWhenFull", BUFFER_WHEN_FULL),
                Map.entry("debugInfo", DEBUG_INFO),
                Map.entry("authorizationType", AUTHORIZATION_TYPE),
                Map.entry("tlsMinVersion", TLS_MIN_VERSION),
                Map.entry("proxyFromEnvironment", PROXY_FROM_ENVIRONMENT),
                Map.entry("followRedirects", FOLLOW_REDIRECTS),
                Map.entry("enableHttp2", ENABLE_HTTP2),
                Map.entry("debugInfoUploadTimeout", DEBUG_INFO_UPLOAD_TIMEOUT));
    }
}
