package dev.pyroscoperelay.write;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Parses and checks the parameters of {@code kamelet:pyroscope-write} once, with messages that name the parameter. */
final class WriterSettings {
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection",
            "content-type", "content-encoding", "expect", "upgrade");

    private WriterSettings() {
    }

    /** The base URL without a trailing slash; its path is kept as a prefix. User info in the URL is refused. */
    static URI baseUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("pyroscope-write: parameter 'url' is required");
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pyroscope-write: 'url' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("pyroscope-write: 'url' must be an http:// or https:// URL with a host, got '"
                    + safeUrl(uri) + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("pyroscope-write: put credentials in basicAuthUsername/basicAuthPassword, not in 'url'");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("pyroscope-write: 'url' must not have a query or fragment");
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
        Map<String, String> result = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return result;
        }
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int colon = part.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("pyroscope-write: 'headers' entry '" + part.trim()
                        + "' is not 'Name: value' (entries are separated by ';')");
            }
            String name = part.substring(0, colon).trim();
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("pyroscope-write: 'headers' cannot set " + name);
            }
            result.put(name, part.substring(colon + 1).trim());
        }
        return result;
    }

    static String basicAuth(String user, String password) {
        String token = user + ":" + (password == null ? "" : password);
        return "Basic " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
