package dev.pyroscoperelay.write;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ProxyOptions;
import java.net.URI;

/**
 * The redirects a writer follows ({@code followRedirects}, on by default as in Alloy): 307 and 308, which keep the
 * method and body, up to {@link #MAX} hops as Go's client. A 301, 302 or 303 would turn the upload into a GET without
 * its body (Go does that, and the destination then refuses an empty request): it is not followed, and the writer
 * reports it as a refusal that names the Location.
 */
final class Redirects {
    /** Go's http.Client stops after 10 redirects. */
    static final int MAX = 10;

    private Redirects() {}

    /** Where a 307/308 answer sends the request, resolved against {@code from}; null when it is not followed. */
    static URI next(URI from, HttpClientResponse response, int followed) {
        int status = response.statusCode();
        if (status != 307 && status != 308 || followed >= MAX) {
            return null;
        }
        String location = response.getHeader("Location");
        if (location == null || location.isBlank()) {
            return null;
        }
        try {
            URI next = from.resolve(location.trim());
            String scheme = next.getScheme();
            return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme) ? next : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The same request to {@code to}: the Authorization header only to the writer's own host (as Go's client keeps
     * credentials with their host), and the proxy that {@code to} takes.
     */
    static RequestOptions request(DestinationClient client, URI to, MultiMap headers) {
        if (!client.settings.host().equalsIgnoreCase(to.getHost())) {
            headers.remove("Authorization");
        }
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setAbsoluteURI(to.toString())
                .setHeaders(headers);
        boolean https = "https".equalsIgnoreCase(to.getScheme());
        ProxyOptions proxy = client.settings
                .proxy()
                .forTarget(https, to.getHost(), to.getPort() >= 0 ? to.getPort() : https ? 443 : 80);
        if (proxy != null) {
            options.setProxyOptions(proxy);
        }
        return options;
    }
}
