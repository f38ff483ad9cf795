package dev.pyroscoperelay.write;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth2's client credentials grant, as Alloy's {@code oauth2} block (Go's {@code clientcredentials}): a token fetched
 * from {@code oauth2TokenUrl} once, shared by every request of the writer, fetched again {@link #EXPIRY_DELTA_MILLIS}
 * before {@code expires_in} runs out and after the destination refuses it with 401. The client authenticates with
 * HTTP basic auth, and with the credentials in the form when the endpoint refuses that (Go's auto-detection).
 */
final class OAuth2Token implements Credentials {
    private static final Logger LOG = LoggerFactory.getLogger(OAuth2Token.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Go's oauth2 refreshes a token this long before it expires. */
    static final long EXPIRY_DELTA_MILLIS = 10_000;

    private record Token(String header, long expiresAtMillis) {
        boolean valid() {
            return expiresAtMillis == 0 || System.currentTimeMillis() < expiresAtMillis - EXPIRY_DELTA_MILLIS;
        }
    }

    private final AuthSettings.OAuth2 settings;
    private final DestinationClient client;
    private final String endpoint;
    private Token token;
    private Future<String> fetching;
    /** The endpoint refused basic auth once: the credentials go in the form from then on. */
    private volatile boolean inForm;

    OAuth2Token(AuthSettings.OAuth2 settings, DestinationClient client) {
        this.settings = settings;
        this.client = client;
        this.endpoint = WriterSettings.safeUrl(settings.tokenUrl());
    }

    @Override
    public synchronized String current() {
        if (token != null && token.valid()) {
            return token.header();
        }
        Future<String> f = next();
        if (f.succeeded()) {
            return f.result();
        }
        throw new Unavailable(f.failed() ? f.cause().getMessage() : "no OAuth2 token from " + endpoint + " yet");
    }

    @Override
    public synchronized Future<String> next() {
        if (token != null && token.valid()) {
            return Future.succeededFuture(token.header());
        }
        if (fetching == null) {
            fetching = fetch(inForm).recover(e -> {
                if (e instanceof Refused && !inForm) {
                    inForm = true; // as Go's AuthStyleAutoDetect: try again with the credentials in the form
                    return fetch(true);
                }
                return Future.failedFuture(e);
            });
            fetching.onComplete(r -> {
                synchronized (this) {
                    fetching = null;
                }
                if (r.failed()) {
                    LOG.warn(
                            "pyroscope-write \"{}\": {}",
                            client.settings.name(),
                            r.cause().getMessage());
                }
            });
        }
        return fetching;
    }

    @Override
    public synchronized boolean rejected(String header) {
        if (token != null && token.header().equals(header)) {
            token = null;
            return true;
        }
        return token == null || !token.header().equals(header);
    }

    /** The token endpoint answered 400 or 401: the client authentication may be the cause. */
    private static final class Refused extends Unavailable {
        Refused(String message) {
            super(message);
        }
    }

    private Future<String> fetch(boolean credentialsInForm) {
        String secret;
        try {
            secret = settings.clientSecret() != null
                    ? settings.clientSecret()
                    : Files.readString(settings.clientSecretFile(), StandardCharsets.UTF_8)
                            .trim();
        } catch (java.io.IOException e) {
            return Future.failedFuture(
                    new Unavailable("cannot read oauth2ClientSecretFile " + settings.clientSecretFile()));
        }
        StringJoiner form = new StringJoiner("&");
        form.add("grant_type=client_credentials");
        if (!settings.scopes().isEmpty()) {
            form.add("scope=" + encode(String.join(" ", settings.scopes())));
        }
        settings.endpointParams().forEach((k, v) -> form.add(encode(k) + "=" + encode(v)));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .set("Content-Type", "application/x-www-form-urlencoded")
                .set("Accept", "application/json");
        if (credentialsInForm) {
            form.add("client_id=" + encode(settings.clientId()));
            form.add("client_secret=" + encode(secret));
        } else {
            String basic = encode(settings.clientId()) + ":" + encode(secret);
            headers.set(
                    "Authorization",
                    "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        Promise<String> result = Promise.promise();
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(settings.tokenUrl().toString())
                .setHeaders(headers)
                .setTimeout(client.settings.remoteTimeoutMillis());
        io.vertx.core.net.ProxyOptions proxy = client.settings
                .proxy()
                .forTarget(
                        "https".equalsIgnoreCase(settings.tokenUrl().getScheme()),
                        settings.tokenUrl().getHost(),
                        settings.tokenUrl().getPort() >= 0
                                ? settings.tokenUrl().getPort()
                                : "https".equalsIgnoreCase(settings.tokenUrl().getScheme()) ? 443 : 80);
        if (proxy != null) {
            options.setProxyOptions(proxy);
        }
        client.http
                .request(options)
                .compose(req -> req.send(Buffer.buffer(form.toString())))
                .compose(resp -> resp.body().map(body -> answer(resp.statusCode(), body)))
                .onComplete(r -> {
                    if (r.succeeded()) {
                        result.complete(r.result());
                    } else {
                        Throwable cause = r.cause();
                        result.fail(
                                cause instanceof Unavailable
                                        ? cause
                                        : new Unavailable("OAuth2 token endpoint " + endpoint + " failed: "
                                                + cause.getClass().getSimpleName()));
                    }
                });
        return result.future();
    }

    /** Reads the token endpoint's answer; never puts the token or the answer's body in a message. */
    private String answer(int status, Buffer body) {
        if (status == 400 || status == 401) {
            throw new Refused("OAuth2 token endpoint " + endpoint + " refused the client: HTTP " + status);
        }
        if (status / 100 != 2) {
            throw new Unavailable("OAuth2 token endpoint " + endpoint + " failed: HTTP " + status);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body.getBytes());
        } catch (java.io.IOException e) {
            throw new Unavailable("OAuth2 token endpoint " + endpoint + " answered no JSON");
        }
        String access = json.path("access_token").asText("");
        if (access.isEmpty()) {
            throw new Unavailable("OAuth2 token endpoint " + endpoint + " answered without access_token");
        }
        String type = json.path("token_type").asText("");
        // as Go's Token.Type(): bearer in any case is Bearer, a missing type is Bearer
        if (type.isEmpty() || type.equalsIgnoreCase("bearer")) {
            type = "Bearer";
        }
        long expiresIn = json.path("expires_in").asLong(0);
        Token t = new Token(type + " " + access, expiresIn > 0 ? System.currentTimeMillis() + expiresIn * 1000 : 0);
        synchronized (this) {
            token = t;
        }
        return t.header();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
