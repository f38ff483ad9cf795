package dev.pyroscoperelay.write;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * How a writer authenticates to its destination: at most one of Alloy's {@code basic_auth}, {@code bearer_token(_file)},
 * {@code authorization} and {@code oauth2}. Checked when the writer starts; files must be readable then.
 *
 * @param fixed the whole Authorization value (basic auth, a bearer token, authorization credentials), or null
 * @param file a credentials file read again when it changes (bearerTokenFile, authorizationCredentialsFile,
 *     basicAuthPasswordFile), or null
 * @param fromFile with {@code file}: the Authorization value made of the file's content (trimmed)
 * @param oauth2 the client-credentials grant, or null
 */
record AuthSettings(String fixed, Path file, UnaryOperator<String> fromFile, OAuth2 oauth2) {
    static final AuthSettings NONE = new AuthSettings(null, null, null, null);

    /** Alloy's {@code oauth2} block (client credentials grant). */
    record OAuth2(
            String clientId,
            String clientSecret,
            Path clientSecretFile,
            URI tokenUrl,
            List<String> scopes,
            Map<String, String> endpointParams) {
        /** Never the secret: records print every component. */
        @Override
        public String toString() {
            return "OAuth2[" + WriterSettings.safeUrl(tokenUrl) + "]";
        }
    }

    static AuthSettings of(WriterParameters p) {
        List<String> ways = new ArrayList<>();
        if (set(p.basicAuthUsername) || set(p.basicAuthPassword) || set(p.basicAuthPasswordFile)) {
            ways.add(
                    set(p.basicAuthPasswordFile)
                            ? "basicAuthUsername/basicAuthPasswordFile"
                            : "basicAuthUsername/basicAuthPassword");
        }
        if (set(p.bearerToken)) {
            ways.add("bearerToken");
        }
        if (set(p.bearerTokenFile)) {
            ways.add("bearerTokenFile");
        }
        if (set(p.authorizationCredentials) || set(p.authorizationCredentialsFile)) {
            ways.add(set(p.authorizationCredentials) ? "authorizationCredentials" : "authorizationCredentialsFile");
        }
        if (set(p.oauth2ClientId)
                || set(p.oauth2ClientSecret)
                || set(p.oauth2ClientSecretFile)
                || set(p.oauth2TokenUrl)) {
            ways.add("oauth2*");
        }
        if (ways.size() > 1) {
            throw new IllegalArgumentException("set only one way to authenticate, not " + String.join(" and ", ways));
        }
        if (set(p.authorizationCredentials) && set(p.authorizationCredentialsFile)) {
            throw new IllegalArgumentException(
                    "set authorizationCredentials or authorizationCredentialsFile, not both");
        }
        String type = set(p.authorizationType) ? p.authorizationType.trim() : WriterDefaults.AUTHORIZATION_TYPE;
        if (type.equalsIgnoreCase("basic")) {
            // as Prometheus' http config: basic auth has parameters of its own
            throw new IllegalArgumentException(
                    "authorizationType cannot be Basic: use basicAuthUsername and basicAuthPassword");
        }
        if (!type.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
            throw new IllegalArgumentException("authorizationType must be one word (a scheme such as Bearer)");
        }
        if ((set(p.basicAuthPassword) || set(p.basicAuthPasswordFile)) && !set(p.basicAuthUsername)) {
            throw new IllegalArgumentException(
                    (set(p.basicAuthPassword) ? "basicAuthPassword" : "basicAuthPasswordFile")
                            + " needs basicAuthUsername");
        }
        if (set(p.basicAuthPassword) && set(p.basicAuthPasswordFile)) {
            // Alloy: "at most one of basic_auth password & password_file must be configured"
            throw new IllegalArgumentException("set basicAuthPassword or basicAuthPasswordFile, not both");
        }
        if (set(p.basicAuthPasswordFile)) {
            String user = p.basicAuthUsername;
            return new AuthSettings(
                    null,
                    readable("basicAuthPasswordFile", p.basicAuthPasswordFile),
                    password -> WriterSettings.basicAuth(user, password),
                    null);
        }
        if (set(p.basicAuthUsername)) {
            return new AuthSettings(
                    WriterSettings.basicAuth(p.basicAuthUsername, p.basicAuthPassword), null, null, null);
        }
        if (set(p.bearerToken)) {
            return new AuthSettings("Bearer " + p.bearerToken.trim(), null, null, null);
        }
        if (set(p.bearerTokenFile)) {
            return new AuthSettings(
                    null, readable("bearerTokenFile", p.bearerTokenFile), token -> "Bearer " + token, null);
        }
        if (set(p.authorizationCredentials)) {
            return new AuthSettings(type + " " + p.authorizationCredentials.trim(), null, null, null);
        }
        if (set(p.authorizationCredentialsFile)) {
            return new AuthSettings(
                    null,
                    readable("authorizationCredentialsFile", p.authorizationCredentialsFile),
                    credentials -> type + " " + credentials,
                    null);
        }
        if (ways.contains("oauth2*")) {
            return new AuthSettings(null, null, null, oauth2(p));
        }
        return NONE;
    }

    private static OAuth2 oauth2(WriterParameters p) {
        if (!set(p.oauth2ClientId)) {
            throw new IllegalArgumentException("oauth2ClientId is required with oauth2");
        }
        if (!set(p.oauth2TokenUrl)) {
            throw new IllegalArgumentException("oauth2TokenUrl is required with oauth2");
        }
        if (set(p.oauth2ClientSecret) == set(p.oauth2ClientSecretFile)) {
            throw new IllegalArgumentException("set one of oauth2ClientSecret and oauth2ClientSecretFile");
        }
        URI tokenUrl;
        try {
            tokenUrl = URI.create(p.oauth2TokenUrl.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'oauth2TokenUrl' is not a URL: " + e.getMessage());
        }
        String scheme = tokenUrl.getScheme() == null ? "" : tokenUrl.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || tokenUrl.getHost() == null) {
            throw new IllegalArgumentException("'oauth2TokenUrl' must be an http:// or https:// URL with a host");
        }
        List<String> scopes = set(p.oauth2Scopes)
                ? Arrays.stream(p.oauth2Scopes.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .toList()
                : List.of();
        Map<String, String> params = new LinkedHashMap<>();
        if (set(p.oauth2EndpointParams)) {
            for (String pair : p.oauth2EndpointParams.split(";")) {
                if (pair.isBlank()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    // the value is left out: it may be a secret
                    throw new IllegalArgumentException(
                            "'oauth2EndpointParams' has an entry that is not name=value (entries are separated by ';')");
                }
                params.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return new OAuth2(
                p.oauth2ClientId.trim(),
                set(p.oauth2ClientSecret) ? p.oauth2ClientSecret.trim() : null,
                set(p.oauth2ClientSecretFile) ? readable("oauth2ClientSecretFile", p.oauth2ClientSecretFile) : null,
                tokenUrl,
                scopes,
                Map.copyOf(params));
    }

    /** A file the writer reads: it must be readable at start (a typo is found then, not at the first profile). */
    static Path readable(String parameter, String file) {
        Path path = Path.of(file.trim());
        if (!Files.isReadable(path) || Files.isDirectory(path)) {
            throw new IllegalArgumentException("cannot read " + parameter + " " + path);
        }
        return path;
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }

    /** Never the credentials. */
    @Override
    public String toString() {
        return fixed != null
                ? "AuthSettings[fixed]"
                : file != null
                        ? "AuthSettings[file " + file + "]"
                        : oauth2 != null ? "AuthSettings[" + oauth2 + "]" : "AuthSettings[none]";
    }
}
