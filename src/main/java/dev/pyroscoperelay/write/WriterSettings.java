package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.ByteSizes;
import dev.pyroscoperelay.runtime.Durations;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of one {@code kamelet:pyroscope-write}, checked once when the writer starts, with messages that name
 * the writer and the parameter (as Alloy's {@code EndpointOptions.Validate()}). Immutable: what a request uses.
 *
 * @param basePath the URL's path without a trailing slash, kept as a prefix of every request path
 * @param auth how it authenticates (basic, bearer, authorization, OAuth2 or none)
 */
record WriterSettings(
        String name,
        String host,
        int port,
        boolean ssl,
        String basePath,
        String safeUrl,
        long remoteTimeoutMillis,
        Map<String, String> headers,
        AuthSettings auth,
        String tenantId,
        RetryPolicy retryPolicy,
        ClientTls tls,
        ProxySettings proxy,
        int maxConnections,
        Buffer buffer,
        DebugInfo debugInfo,
        boolean followRedirects,
        boolean enableHttp2) {

    /** Whether this writer forwards debug-info calls, and how long an upload may take. */
    record DebugInfo(boolean on, long uploadTimeoutMillis) {}

    /** A durable buffer ({@code bufferPath} set), or null. */
    record Buffer(Path path, long maxSizeBytes, long maxAgeMillis, boolean dropOldest) {}

    private static final Set<String> RESERVED_HEADERS = Set.of(
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "content-type",
            "content-encoding",
            "expect",
            "upgrade");

    /** Checks every parameter; {@code name} is the writer's name (its own parameter or the calling route's id). */
    static WriterSettings of(WriterParameters p, String name) {
        String where = "pyroscope-write \"" + name + "\": ";
        try {
            URI base = baseUrl(p.url);
            long timeout = Durations.parseMillis("remoteTimeout", p.remoteTimeout);
            if (timeout <= 0) {
                throw new IllegalArgumentException("remoteTimeout must be positive");
            }
            long minBackoff = Durations.parseMillis("minBackoffPeriod", p.minBackoffPeriod);
            long maxBackoff = Durations.parseMillis("maxBackoffPeriod", p.maxBackoffPeriod);
            if (p.maxBackoffRetries < 0) {
                throw new IllegalArgumentException("maxBackoffRetries must be 0 (no limit) or more");
            }
            if (p.maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1");
            }
            AuthSettings auth = AuthSettings.of(p);
            boolean ssl = base.getScheme().equalsIgnoreCase("https");
            return new WriterSettings(
                    name,
                    base.getHost(),
                    base.getPort() >= 0 ? base.getPort() : (ssl ? 443 : 80),
                    ssl,
                    base.getRawPath() == null ? "" : base.getRawPath(),
                    safeUrl(base),
                    timeout,
                    headers(p.headers),
                    auth,
                    isSet(p.tenantId) ? p.tenantId.trim() : null,
                    new RetryPolicy(p.maxBackoffRetries, p.retryOnHttp429, minBackoff, maxBackoff),
                    ClientTls.of(p),
                    ProxySettings.of(p, System::getenv),
                    p.maxConnections,
                    buffer(p),
                    debugInfo(p),
                    p.followRedirects,
                    p.enableHttp2);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    private static DebugInfo debugInfo(WriterParameters p) {
        long timeout = Durations.parseMillis("debugInfoUploadTimeout", p.debugInfoUploadTimeout);
        if (timeout <= 0) {
            throw new IllegalArgumentException("debugInfoUploadTimeout must be positive");
        }
        return new DebugInfo(p.debugInfo, timeout);
    }

    private static Buffer buffer(WriterParameters p) {
        long maxSize = ByteSizes.parse("bufferMaxSize", p.bufferMaxSize);
        long maxAge = Durations.parseMillis("bufferMaxAge", p.bufferMaxAge);
        String whenFull = isSet(p.bufferWhenFull) ? p.bufferWhenFull.trim() : WriterDefaults.BUFFER_WHEN_FULL;
        if (!whenFull.equals("reject") && !whenFull.equals("dropOldest")) {
            throw new IllegalArgumentException("bufferWhenFull must be reject or dropOldest, got '" + whenFull + "'");
        }
        if (!isSet(p.bufferPath)) {
            return null;
        }
        if (maxSize <= 0) {
            throw new IllegalArgumentException("bufferMaxSize must be positive");
        }
        return new Buffer(Path.of(p.bufferPath.trim()), maxSize, maxAge, whenFull.equals("dropOldest"));
    }

    /** The base URL without a trailing slash; its path is kept as a prefix. User info in the URL is refused. */
    static URI baseUrl(String url) {
        if (!isSet(url)) {
            throw new IllegalArgumentException("parameter 'url' is required");
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'url' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "'url' must be an http:// or https:// URL with a host, got '" + safeUrl(uri) + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("put credentials in basicAuthUsername/basicAuthPassword, not in 'url'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("'url' must not have a query or fragment");
        }
        String s = uri.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return URI.create(s);
    }

    /** A URL fit for logs: scheme, host, port and path only. */
    static String safeUrl(URI uri) {
        StringBuilder sb = new StringBuilder();
        if (uri.getScheme() != null) {
            sb.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            sb.append(uri.getHost());
        }
        if (uri.getPort() >= 0) {
            sb.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            sb.append(uri.getRawPath());
        }
        return sb.toString();
    }

    /** "Name: value; Name2: value2" into an ordered map. */
    static Map<String, String> headers(String spec) {
        Map<String, String> result = headerList("headers", spec);
        for (String name : result.keySet()) {
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("'headers' cannot set " + name);
            }
        }
        return result;
    }

    /** "Name: value; Name2: value2" (parameter {@code parameter}) into an ordered map. */
    static Map<String, String> headerList(String parameter, String spec) {
        Map<String, String> result = new LinkedHashMap<>();
        if (!isSet(spec)) {
            return Map.of();
        }
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int colon = part.indexOf(':');
            if (colon <= 0) {
                // the value is left out: it may be a secret
                throw new IllegalArgumentException(
                        "'" + parameter + "' has an entry that is not 'Name: value' (entries are separated by ';')");
            }
            result.put(
                    part.substring(0, colon).trim(), part.substring(colon + 1).trim());
        }
        return java.util.Collections.unmodifiableMap(result);
    }

    static String basicAuth(String user, String password) {
        String token = user + ":" + (password == null ? "" : password);
        return "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** Never the credentials or header values: records print every component. */
    @Override
    public String toString() {
        return "WriterSettings[" + name + " -> " + safeUrl + "]";
    }
}
