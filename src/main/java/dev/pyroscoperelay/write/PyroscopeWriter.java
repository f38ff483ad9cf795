package dev.pyroscoperelay.write;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


import dev.pyroscoperelay.runtime.Durations;
import dev.pyroscoperelay.upload.ProfileUpload;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayVertx;
import dev.pyroscoperelay.runtime.RelayVersion;
import dev.pyroscoperelay.upload.WriteOutcome;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import dev.pyroscoperelay.upload.ExternalLabels;
import dev.pyroscoperelay.upload.InvalidProfileException;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.AsyncCallback;
import org.apache.camel.support.AsyncProcessorSupport;
import io.netty.buffer.Unpooled;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.ProxyOptions;
import io.vertx.core.net.ProxyType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processor behind {@code kamelet:pyroscope-write}: sends the exchange's {@link ProfileUpload} to one
 * Pyroscope server with this writer's labels, auth and retry policy, and records the outcome for the receiver.
 * It never throws for a failed destination, so one failing writer never stops the others of a multicast.
 */
public class PyroscopeWriter extends AsyncProcessorSupport implements CamelContextAware {
    private static final Logger LOG = LoggerFactory.getLogger(PyroscopeWriter.class);
    private static final AtomicInteger ORDER = new AtomicInteger();
    /** Time kept back from the client's deadline to write the answer. */
    private static final long ANSWER_MARGIN_MILLIS = 250;

    private static final String USER_AGENT = "pyroscope-relay/" + RelayVersion.get();

    private final int order = ORDER.incrementAndGet();
    private CamelContext camelContext;

    // Kamelet parameters
    private String url;
    private String name;
    private String parentRouteId;
    private String remoteTimeout = "10s";
    private String headers;
    private String basicAuthUsername;
    private String basicAuthPassword;
    private String bearerToken;
    private String bearerTokenFile;
    private String tenantId;
    private String minBackoffPeriod = "500ms";
    private String maxBackoffPeriod = "5m";
    private int maxBackoffRetries = 10;
    private boolean retryOnHttp429 = true;
    private boolean tlsInsecureSkipVerify;
    private String tlsCaFile;
    private String proxyUrl;
    private int maxConnections = 64;

    // built once from the parameters
    private volatile Client client;

    private record Client(Vertx vertx, HttpClient http, String host, int port, boolean ssl, String basePath, String safeUrl,
                          Map<String, String> headers, String authorization, long remoteTimeoutMillis, Backoff backoff,
                          RelayMetrics.Writer metrics) {
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Client c;
        try {
            c = client(exchange.getContext());
        } catch (RuntimeException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        RelayExchange relay = RelayExchange.of(exchange);
        ProfileUpload upload = exchange.getMessage().getBody(ProfileUpload.class);
        if (relay == null || upload == null) {
            exchange.setException(new IllegalStateException("pyroscope-write \"" + writerName()
                    + "\" must be reached from a kamelet:pyroscope-receive route"));
            callback.done(true);
            return true;
        }
        OutgoingRequest request;
        try {
            request = upload.toDestination(ExternalLabels.from(exchange.getMessage()));
        } catch (InvalidProfileException e) {
            relay.outcomes().add(new WriteOutcome(writerName(), order, Kind.INVALID, e.status(), 0, e.getMessage()));
            c.metrics.dropped("invalid", upload.receivedBytes(), upload.profileCount());
            callback.done(true);
            return true;
        }
        String tenant = WriterSettings.isSet(tenantId) ? tenantId : exchange.getMessage().getHeader("X-Scope-OrgID", String.class);
        String auth;
        try {
            auth = authorization(c);
        } catch (RuntimeException e) {
            relay.outcomes().add(new WriteOutcome(writerName(), order, Kind.INVALID, 500, 0, e.getMessage()));
            callback.done(true);
            return true;
        }
        new Delivery(c, request, upload, tenant, auth, relay, callback).next();
        return false;
    }

    private record Attempt(Kind kind, int status, long retryAfterMillis, String detail) {
    }

    /** One request to the destination, retried until it is accepted, refused, out of attempts or out of time. */
    private final class Delivery {
        private final Client c;
        private final OutgoingRequest request;
        private final ProfileUpload upload;
        private final String tenant;
        private final String authorization;
        private final RelayExchange relay;
        private final AsyncCallback callback;
        private final String target;
        private int attempts;
        private boolean allTimedOut = true;
        private Attempt last;
        private long attemptStarted;
        private long attemptTimeoutMillis;
        /** Ends an attempt that runs past its share of the deadline; the client's own timeouts are per read. */
        private volatile long timer = -1;
        private volatile HttpClientRequest current;
        private final AtomicBoolean attemptDone = new AtomicBoolean();

        Delivery(Client c, OutgoingRequest request, ProfileUpload upload, String tenant, String authorization,
                 RelayExchange relay, AsyncCallback callback) {
            this.c = c;
            this.request = request;
            this.upload = upload;
            this.tenant = tenant;
            this.authorization = authorization;
            this.relay = relay;
            this.callback = callback;
            this.target = c.basePath + request.pathAndQuery();
        }

        void next() {
            long remaining = TimeUnit.NANOSECONDS.toMillis(relay.deadlineNanos() - System.nanoTime()) - ANSWER_MARGIN_MILLIS;
            if (remaining <= 0) {
                finish();
                return;
            }
            if (attempts++ > 0) {
                c.metrics.retry();
            }
            attemptTimeoutMillis = Math.min(c.remoteTimeoutMillis, remaining);
            attemptDone.set(false);
            current = null;
            attemptStarted = System.nanoTime();
            // a Vert.x timer fires on the event loop of this request: no other thread is woken
            timer = c.vertx.setTimer(attemptTimeoutMillis, id -> timedOut());
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
                    .setHost(c.host).setPort(c.port).setSsl(c.ssl).setURI(target).setHeaders(headers(attemptTimeoutMillis));
            c.http.request(options).onComplete(opened -> {
                if (opened.failed()) {
                    failed(opened.cause());
                    return;
                }
                HttpClientRequest req = opened.result();
                current = req;
                if (attemptDone.get()) {
                    req.reset();
                    return;
                }
                // wraps the shared array (Buffer.buffer(byte[]) would copy it): every destination sends the same bytes
                req.send(Buffer.buffer(Unpooled.wrappedBuffer(request.body()))).onComplete(answered -> {
                    if (answered.failed()) {
                        failed(answered.cause());
                        return;
                    }
                    HttpClientResponse response = answered.result();
                    response.body().onComplete(body -> {
                        if (body.failed()) {
                            failed(body.cause());
                        } else {
                            completed(response.statusCode(), response.getHeader("Retry-After"), body.result().getBytes());
                        }
                    });
                });
            });
        }

        private void timedOut() {
            attemptEnded(new Attempt(Kind.TIMEOUT, 0, -1, "timed out after " + attemptTimeoutMillis + " ms"));
            HttpClientRequest req = current;
            if (req != null) {
                req.reset(); // frees the connection: the destination may never answer
            }
        }

        private MultiMap headers(long timeoutMillis) {
            MultiMap h = MultiMap.caseInsensitiveMultiMap();
            if (request.contentType() != null) {
                h.set("Content-Type", request.contentType());
            }
            if (request.contentEncoding() != null) {
                h.set("Content-Encoding", request.contentEncoding());
            }
            request.protocolHeaders().forEach(h::set);
            if (request.protocolHeaders().containsKey("Connect-Protocol-Version")) {
                h.set("Connect-Timeout-Ms", Long.toString(timeoutMillis));
            }
            c.headers.forEach(h::set);
            if (authorization != null) {
                h.set("Authorization", authorization);
            }
            if (tenant != null && !tenant.isEmpty()) {
                h.set("X-Scope-OrgID", tenant);
            }
            h.set("User-Agent", USER_AGENT);
            return h;
        }

        private void completed(int status, String retryAfterHeader, byte[] body) {
            Kind kind;
            if (status >= 200 && status < 300) {
                kind = Kind.OK;
            } else if (status >= 500 || status == 408) {
                kind = Kind.SERVER_ERROR;
            } else {
                kind = Kind.REJECTED;
            }
            long retryAfter = (status == 429 || status == 503) ? RetryAfter.millis(retryAfterHeader) : -1;
            String excerpt = excerpt(body);
            attemptEnded(new Attempt(kind, status, retryAfter, "HTTP " + status + (excerpt.isEmpty() ? "" : ": " + excerpt)));
        }

        private void failed(Throwable e) {
            if (e instanceof SocketTimeoutException || e instanceof TimeoutException) {
                attemptEnded(new Attempt(Kind.TIMEOUT, 0, -1, "timed out after " + attemptTimeoutMillis + " ms"));
            } else if (e instanceof ConnectException || e instanceof UnknownHostException) {
                attemptEnded(new Attempt(Kind.UNREACHABLE, 0, -1, "cannot connect: " + e.getMessage()));
            } else {
                attemptEnded(new Attempt(Kind.UNREACHABLE, 0, -1, "connection failed: " + e));
            }
        }

        private void attemptEnded(Attempt attempt) {
            if (!attemptDone.compareAndSet(false, true)) {
                return;
            }
            long t = timer;
            if (t >= 0) {
                c.vertx.cancelTimer(t);
            }
            c.metrics.attempt(System.nanoTime() - attemptStarted);
            last = attempt;
            if (attempt.kind == Kind.OK) {
                finish();
                return;
            }
            allTimedOut &= attempt.kind == Kind.TIMEOUT;
            boolean retry = attempt.kind == Kind.SERVER_ERROR || attempt.kind == Kind.UNREACHABLE || attempt.kind == Kind.TIMEOUT
                    || (attempt.status == 429 && retryOnHttp429);
            if (!retry || (maxBackoffRetries > 0 && attempts >= maxBackoffRetries)) {
                finish();
                return;
            }
            long wait = c.backoff.delayAfter(attempts);
            if (attempt.retryAfterMillis >= 0) {
                wait = Math.min(attempt.retryAfterMillis, c.backoff.maxMillis());
            }
            long afterWait = TimeUnit.NANOSECONDS.toMillis(relay.deadlineNanos() - System.nanoTime()) - ANSWER_MARGIN_MILLIS - wait;
            if (afterWait < 50) {
                finish(); // the next attempt could not finish before the client gives up
                return;
            }
            c.vertx.setTimer(wait, id -> next());
        }

        private void finish() {
            WriteOutcome outcome;
            if (last == null) {
                outcome = new WriteOutcome(writerName(), order, Kind.TIMEOUT, 0, 0, "no time left before the client's deadline");
            } else if (last.kind == Kind.OK) {
                outcome = new WriteOutcome(writerName(), order, Kind.OK, last.status, attempts, "ok");
            } else {
                // a 429 stays REJECTED: the client gets 429 and backs off itself
                Kind kind = allTimedOut ? Kind.TIMEOUT : last.kind;
                outcome = new WriteOutcome(writerName(), order, kind, last.status, attempts,
                        last.detail + " after " + attempts + (attempts == 1 ? " attempt" : " attempts"));
            }
            relay.outcomes().add(outcome);
            if (outcome.ok()) {
                c.metrics.sent(request.body().length, upload.profileCount());
            } else {
                c.metrics.dropped(outcome.kind().name().toLowerCase(java.util.Locale.ROOT), request.body().length,
                        upload.profileCount());
                LOG.warn("forward failed: writer={} url={} result={} status={} attempts={} reason=\"{}\"", writerName(),
                        c.safeUrl, outcome.kind(), outcome.status(), outcome.attempts(), outcome.detail());
            }
            callback.done(false);
        }
    }

    private static String excerpt(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        return new String(body, 0, Math.min(300, body.length), StandardCharsets.UTF_8).replaceAll("[\\r\\n\\t]+", " ").trim();
    }

    private String authorization(Client c) {
        if (c.authorization != null) {
            return c.authorization;
        }
        if (WriterSettings.isSet(bearerTokenFile)) {
            return "Bearer " + BearerTokenFile.read(bearerTokenFile);
        }
        return null;
    }

    private Client client(CamelContext context) {
        Client c = client;
        if (c == null) {
            synchronized (this) {
                c = client;
                if (c == null) {
                    c = client = buildClient(context);
                }
            }
        }
        return c;
    }

    private Client buildClient(CamelContext context) {
        URI base = WriterSettings.baseUrl(url);
        long timeout = Durations.parseMillis("remoteTimeout", remoteTimeout);
        if (timeout <= 0) {
            throw new IllegalArgumentException("pyroscope-write: remoteTimeout must be positive");
        }
        Backoff backoff = new Backoff(Durations.parseMillis("minBackoffPeriod", minBackoffPeriod),
                Durations.parseMillis("maxBackoffPeriod", maxBackoffPeriod));
        int authKinds = (WriterSettings.isSet(basicAuthUsername) ? 1 : 0) + (WriterSettings.isSet(bearerToken) ? 1 : 0)
                + (WriterSettings.isSet(bearerTokenFile) ? 1 : 0);
        if (authKinds > 1) {
            throw new IllegalArgumentException("pyroscope-write \"" + writerName()
                    + "\": set only one of basicAuthUsername, bearerToken, bearerTokenFile");
        }
        String authorization = null;
        if (WriterSettings.isSet(basicAuthUsername)) {
            authorization = WriterSettings.basicAuth(basicAuthUsername, basicAuthPassword);
        } else if (WriterSettings.isSet(bearerToken)) {
            authorization = "Bearer " + bearerToken.trim();
        }
        boolean ssl = "https".equalsIgnoreCase(base.getScheme());
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true).setKeepAliveTimeout(30)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout))
                .setDecompressionSupported(false)
                .setTryUseCompression(false)
                .setSsl(ssl);
        if (ssl && tlsInsecureSkipVerify) {
            options.setTrustAll(true).setVerifyHost(false);
        } else if (ssl && WriterSettings.isSet(tlsCaFile)) {
            options.setPemTrustOptions(new PemTrustOptions().addCertPath(tlsCaFile));
        }
        if (WriterSettings.isSet(proxyUrl)) {
            URI proxy = URI.create(proxyUrl.trim());
            options.setProxyOptions(new ProxyOptions().setType(ProxyType.HTTP).setHost(proxy.getHost())
                    .setPort(proxy.getPort() < 0 ? 80 : proxy.getPort()));
        }
        Vertx vertx = RelayVertx.acquire();
        HttpClient http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(maxConnections));
        int port = base.getPort() >= 0 ? base.getPort() : (ssl ? 443 : 80);
        String safeUrl = WriterSettings.safeUrl(base);
        LOG.info("pyroscope-write \"{}\" sends to {}", writerName(), safeUrl);
        return new Client(vertx, http, base.getHost(), port, ssl, base.getRawPath() == null ? "" : base.getRawPath(), safeUrl,
                WriterSettings.headers(headers),
                authorization, timeout, backoff, RelayMetrics.of(context).writer(writerName()));
    }

    String writerName() {
        if (WriterSettings.isSet(name)) {
            return name;
        }
        return WriterSettings.isSet(parentRouteId) ? parentRouteId : "pyroscope-write-" + order;
    }

    @Override
    protected void doStart() {
        if (camelContext != null) {
            client(camelContext); // fail at start-up, not on the first profile, when the parameters are wrong
        }
    }

    @Override
    protected void doStop() {
        Client c = client;
        client = null;
        if (c != null) {
            try {
                c.http.close();
            } catch (RuntimeException e) {
                LOG.debug("closing writer {}: {}", writerName(), e.toString());
            } finally {
                RelayVertx.release(); // even when close failed, or the shared Vert.x would never be closed
            }
        }
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    // setters for the Kamelet parameters

    public void setUrl(String url) {
        this.url = url;
    }

    public void setName(String name) {
        this.name = name;
    }

    /** Set by the Kamelet: the route that calls this writer, the default name. */
    public void setParentRouteId(String parentRouteId) {
        this.parentRouteId = parentRouteId;
    }

    public void setRemoteTimeout(String remoteTimeout) {
        this.remoteTimeout = remoteTimeout;
    }

    public void setHeaders(String headers) {
        this.headers = headers;
    }

    public void setBasicAuthUsername(String basicAuthUsername) {
        this.basicAuthUsername = basicAuthUsername;
    }

    public void setBasicAuthPassword(String basicAuthPassword) {
        this.basicAuthPassword = basicAuthPassword;
    }

    public void setBearerToken(String bearerToken) {
        this.bearerToken = bearerToken;
    }

    public void setBearerTokenFile(String bearerTokenFile) {
        this.bearerTokenFile = bearerTokenFile;
    }

    public void setTenantId(String tenantId) {
        this.tenantId = tenantId;
    }

    public void setMinBackoffPeriod(String minBackoffPeriod) {
        this.minBackoffPeriod = minBackoffPeriod;
    }

    public void setMaxBackoffPeriod(String maxBackoffPeriod) {
        this.maxBackoffPeriod = maxBackoffPeriod;
    }

    public void setMaxBackoffRetries(int maxBackoffRetries) {
        this.maxBackoffRetries = maxBackoffRetries;
    }

    public void setRetryOnHttp429(boolean retryOnHttp429) {
        this.retryOnHttp429 = retryOnHttp429;
    }

    public void setTlsInsecureSkipVerify(boolean tlsInsecureSkipVerify) {
        this.tlsInsecureSkipVerify = tlsInsecureSkipVerify;
    }

    public void setTlsCaFile(String tlsCaFile) {
        this.tlsCaFile = tlsCaFile;
    }

    public void setProxyUrl(String proxyUrl) {
        this.proxyUrl = proxyUrl;
    }

    public void setMaxConnections(int maxConnections) {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("pyroscope-write: maxConnections must be at least 1");
        }
        this.maxConnections = maxConnections;
    }

    @Override
    public String toString() {
        // never the credentials
        return "PyroscopeWriter[" + writerName() + " -> " + (url == null ? "?" : url.replaceAll("//[^/@]*@", "//")) + "]";
    }
}
