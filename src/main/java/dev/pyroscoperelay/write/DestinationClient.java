package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.RelayVertx;
import dev.pyroscoperelay.runtime.TlsRenewal;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * One writer's non-blocking HTTP client to its destination, on the relay's shared Vert.x (so a request is sent from
 * the event loop that read it), with at most {@code maxConnections} connections: a slow destination uses up only its
 * own connections.
 */
final class DestinationClient {
    final WriterSettings settings;
    final Vertx vertx;
    final HttpClient http;
    final RelayMetrics.Writer metrics;
    /** The Authorization header it sends (an OAuth2 token is fetched through {@link #http}). */
    final Credentials credentials;
    /** The proxy to the destination (noProxy applied), or null for none. */
    final io.vertx.core.net.ProxyOptions proxy;

    private final RelayVertx relay;
    /** Watches a client certificate or CA file for renewals, or null. */
    private TlsRenewal renewal;

    private DestinationClient(
            WriterSettings settings, RelayVertx relay, Vertx vertx, HttpClient http, RelayMetrics.Writer metrics) {
        this.relay = relay;
        this.settings = settings;
        this.vertx = vertx;
        this.http = http;
        this.metrics = metrics;
        this.credentials = Credentials.of(settings.auth(), this);
        this.proxy = settings.proxy().forTarget(settings.ssl(), settings.host(), settings.port());
    }

    static DestinationClient open(WriterSettings s, RelayMetrics.Writer metrics, RelayVertx relay) {
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setKeepAliveTimeout(30)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, s.remoteTimeoutMillis()))
                // the body goes out as received: never compressed or decompressed here
                .setDecompressionSupported(false)
                .setTryUseCompression(false)
                .setSsl(s.ssl());
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(s.maxConnections());
        if (s.ssl()) {
            s.tls().applyTo(options);
            if (s.enableHttp2()) {
                // h2 when the destination offers it in the TLS handshake (ALPN), else HTTP/1.1; on h2,
                // maxConnections bounds the streams: one connection carrying at most that many at once
                options.setUseAlpn(true)
                        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                        .setHttp2MultiplexingLimit(s.maxConnections());
                pool.setHttp2MaxSize(1);
            }
        }
        Vertx vertx = relay.acquire();
        try {
            HttpClient http = vertx.createHttpClient(options, pool);
            DestinationClient client = new DestinationClient(s, relay, vertx, http, metrics);
            if (s.ssl() && s.tls().hasFiles()) {
                client.renewal = new TlsRenewal(
                        vertx,
                        "pyroscope-write \"" + s.name() + "\"",
                        s.tls()::fingerprint,
                        s.tls()::sslOptions,
                        o -> http.updateSSLOptions(o, true));
            }
            return client;
        } catch (RuntimeException e) {
            relay.release();
            throw e;
        }
    }

    void close() {
        if (renewal != null) {
            renewal.stop();
        }
        try {
            http.close();
        } finally {
            relay.release(); // even when close failed, or the shared Vert.x would never be closed
        }
    }
}
