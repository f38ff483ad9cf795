package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayVertx;
import dev.pyroscoperelay.runtime.TlsRenewal;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listening socket of one receiver address: an HTTP server on every event loop (they share the socket; Vert.x
 * spreads the connections over them), bound again every 5 s after a bind error, its connection limits on every
 * connection and its certificates renewed while it listens with TLS. Its state is guarded by its monitor.
 */
final class ReceiverListener {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiverListener.class);
    private static final long BIND_RETRY_MILLIS = 5_000;

    private final String host;
    private final int port;
    private final Vertx vertx;
    private final ReceiverServer.Limits limits;
    private final ConnectionLimits connectionLimits;
    private final Handler<HttpServerRequest> requests;
    /** Whether it should listen: between {@link #open} and {@link #close}. */
    private boolean wanted;

    private String deployment;
    private String bindError;
    /** One of the servers of the event loops, for a certificate renewal. */
    private volatile HttpServer anyServer;

    private TlsRenewal renewal;

    ReceiverListener(
            String host, int port, Vertx vertx, ReceiverServer.Limits limits, Handler<HttpServerRequest> requests) {
        this.host = host;
        this.port = port;
        this.vertx = vertx;
        this.limits = limits;
        this.requests = requests;
        this.connectionLimits = new ConnectionLimits(address(), limits.maxConnections(), limits.readTimeoutMillis());
    }

    String address() {
        return host + ":" + port;
    }

    synchronized boolean listening() {
        return deployment != null;
    }

    /** Why it is not listening though it should, or null. */
    synchronized String problem() {
        return deployment == null && wanted ? bindError : null;
    }

    /** Starts listening (if not already); completes once bound, or with the bind error (then retried). */
    synchronized Future<Void> open() {
        wanted = true;
        return deployment != null ? Future.succeededFuture() : bind();
    }

    private synchronized Future<Void> bind() {
        if (!wanted || deployment != null) {
            return Future.succeededFuture();
        }
        HttpServerOptions options = options();
        // one server per event loop: undeploying the verticles closes them all
        return vertx.deployVerticle(
                        () -> new Listener(options), new DeploymentOptions().setInstances(RelayVertx.eventLoops()))
                .onComplete(ar -> bound(ar.succeeded() ? ar.result() : null, ar.cause()))
                .mapEmpty();
    }

    private synchronized void bound(String deployed, Throwable error) {
        if (deployed != null) {
            if (!wanted || deployment != null) {
                vertx.undeploy(deployed); // closed meanwhile
                return;
            }
            deployment = deployed;
            bindError = null;
            if (limits.tls() != null) {
                HttpServer server = anyServer;
                renewal = new TlsRenewal(
                        vertx,
                        "pyroscope-receive " + address(),
                        limits.tls()::fingerprint,
                        limits.tls()::sslOptions,
                        options -> server.updateSSLOptions(options, true));
            }
            LOG.info("pyroscope-receive listening on {} ({} event loops)", address(), RelayVertx.eventLoops());
            return;
        }
        if (!wanted) {
            return;
        }
        boolean first = bindError == null;
        bindError = "cannot listen on " + address() + ": " + error.getMessage();
        if (first) {
            LOG.error("pyroscope-receive {}; not ready, trying again every 5 s", bindError);
        } else {
            LOG.debug("pyroscope-receive {} (again)", bindError);
        }
        vertx.setTimer(BIND_RETRY_MILLIS, id -> bind());
    }

    /** Stops listening; the returned future completes once the port is closed. */
    synchronized Future<Void> close() {
        wanted = false;
        if (renewal != null) {
            renewal.stop();
            renewal = null;
        }
        if (deployment == null) {
            return Future.succeededFuture();
        }
        String d = deployment;
        deployment = null;
        return vertx.undeploy(d).onComplete(r -> LOG.info("pyroscope-receive on {} closed", address()));
    }

    private HttpServerOptions options() {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setHandle100ContinueAutomatically(true)
                // cleartext HTTP/2 only when asked for: with it on, Vert.x hands an HTTP/1.1 connection over (and
                // calls the connection handler that counts it and starts its read timeout) only once a whole request
                // head has arrived, so a slow head is cut only by idleTimeout
                .setHttp2ClearTextEnabled(limits.h2c())
                .setDecompressionSupported(false)
                .setCompressionSupported(false)
                // no WebSocket: keeps Netty's WebSocket extension handler out of every connection's pipeline
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                // the ingest query carries every label: allow long request lines
                .setMaxInitialLineLength(1024 * 1024)
                .setMaxHeaderSize(64 * 1024)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, limits.idleTimeoutMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
        if (limits.tls() != null) {
            limits.tls().applyTo(options);
        }
        return options;
    }

    /** The server of one event loop. */
    private final class Listener extends AbstractVerticle {
        private final HttpServerOptions options;

        Listener(HttpServerOptions options) {
            this.options = options;
        }

        @Override
        public void start(Promise<Void> started) {
            HttpServer server = vertx.createHttpServer(options);
            anyServer = server;
            ConnectionLimits.OnEventLoop limited = connectionLimits.new OnEventLoop(vertx);
            server.connectionHandler(limited::connected)
                    .requestHandler(request -> {
                        limited.requested(request);
                        requests.handle(request);
                    })
                    .listen()
                    .<Void>mapEmpty()
                    .onComplete(started);
        }
    }
}
