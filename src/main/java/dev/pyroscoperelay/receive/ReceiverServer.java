package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.runtime.RelayVertx;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening address and port on the relay's Vert.x: a server on every event loop (Vert.x spreads the
 * connections over them), and, when the route may block, a worker pool of its own so that requests stuck on one
 * receiver never use up the threads of another. It listens while at least one consumer uses it.
 */
final class ReceiverServer {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiverServer.class);

    private final String host;
    private final int port;
    private final Vertx vertx;
    private final Router router;
    private final WorkerExecutor workers;
    private String deployment;
    private boolean listening;
    private int users;
    private String bindError;
    private boolean closed;
    private final Limits limits;
    /** Open connections over all event loops, for maxConnections. */
    private final AtomicInteger connections = new AtomicInteger();

    /** Per listening address: taken from the first receiver route that uses it. */
    record Limits(int workerThreads, long idleTimeoutMillis, int maxConnections, long readTimeoutMillis) {}

    ReceiverServer(String host, int port, Limits limits) {
        this.host = host;
        this.port = port;
        this.limits = limits;
        int workerThreads = limits.workerThreads();
        this.vertx = RelayVertx.acquire();
        this.router = Router.router(vertx);
        // a writer may legitimately hold a worker for its whole retry budget
        this.workers = workerThreads > 0
                ? vertx.createSharedWorkerExecutor(
                        RelayNames.RECEIVE_ROUTE_PREFIX + address(), workerThreads, 5, TimeUnit.MINUTES)
                : null;
    }

    /** workerThreads 0: the route runs on the event loop that read the request (no hand-off; it must not block). */
    boolean onEventLoop() {
        return workers == null;
    }

    /** The pool that starts routes when workerThreads > 0. */
    WorkerExecutor workers() {
        return workers;
    }

    Vertx vertx() {
        return vertx;
    }

    Router router() {
        return router;
    }

    String address() {
        return host + ":" + port;
    }

    void acquire() {
        Future<Void> first;
        synchronized (this) {
            if (users++ > 0) {
                return;
            }
            first = listen();
        }
        try {
            // wait (without the lock, which the result handler needs) so that a started route serves at once
            first.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // reported and retried by listen(): the relay keeps serving its other receivers, not ready meanwhile
        }
    }

    /** Whether this receiver accepts connections, or is not used by any route (then it does not count). */
    synchronized boolean ready() {
        return listening || users == 0;
    }

    /** Why it is not listening, or null. */
    synchronized String problem() {
        return listening || users == 0 ? null : bindError;
    }

    private synchronized Future<Void> listen() {
        if (users == 0 || deployment != null || closed) {
            return Future.succeededFuture();
        }
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setHandle100ContinueAutomatically(true)
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
        // one server per event loop: undeploying the verticles closes them all
        return vertx.deployVerticle(
                        () -> new Listener(options), new DeploymentOptions().setInstances(RelayVertx.eventLoops()))
                .onComplete(ar -> {
                    synchronized (this) {
                        if (ar.succeeded()) {
                            if (users > 0 && deployment == null && !closed) {
                                deployment = ar.result();
                                listening = true;
                                bindError = null;
                                LOG.info(
                                        "pyroscope-receive listening on {} ({} event loops)",
                                        address(),
                                        RelayVertx.eventLoops());
                            } else {
                                vertx.undeploy(ar.result());
                            }
                        } else if (users > 0 && !closed) {
                            String again = bindError == null ? "" : " (again)";
                            bindError = "cannot listen on " + address() + ": "
                                    + ar.cause().getMessage();
                            if (again.isEmpty()) {
                                LOG.error("pyroscope-receive {}; not ready, trying again every 5 s", bindError);
                            } else {
                                LOG.debug("pyroscope-receive {}{}", bindError, again);
                            }
                            vertx.setTimer(5000, id -> listen());
                        }
                    }
                })
                .mapEmpty();
    }

    synchronized void release() {
        if (users == 0 || --users > 0) {
            return;
        }
        closeServers();
    }

    synchronized void shutdown() {
        users = 0;
        closeServers();
        if (!closed) {
            closed = true;
            if (workers != null) {
                workers.close();
            }
            RelayVertx.release();
        }
    }

    private void closeServers() {
        if (deployment == null) {
            return;
        }
        try {
            vertx.undeploy(deployment).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            LOG.info("pyroscope-receive on {} closed", address());
        } catch (Exception e) {
            LOG.warn("closing receiver {} failed: {}", address(), e.toString());
        } finally {
            deployment = null;
            listening = false;
        }
    }

    /** The server of one event loop. */
    private final class Listener extends AbstractVerticle {
        private final HttpServerOptions options;

        Listener(HttpServerOptions options) {
            this.options = options;
        }

        /** Connections of this event loop that have not sent a whole request head yet, with their read timers. */
        private final Map<HttpConnection, Long> waitingForHead = new HashMap<>();

        @Override
        public void start(Promise<Void> started) {
            vertx.createHttpServer(options)
                    .connectionHandler(this::connected)
                    .requestHandler(request -> {
                        Long timer = waitingForHead.remove(request.connection());
                        if (timer != null) {
                            vertx.cancelTimer(timer);
                        }
                        router.handle(request);
                    })
                    .listen()
                    .<Void>mapEmpty()
                    .onComplete(started);
        }

        /**
         * Counts the connection against maxConnections (closing it at once over the limit, as Alloy's conn_limit
         * does not) and closes one whose first request head has not arrived within readTimeout (a slowloris).
         */
        private void connected(HttpConnection connection) {
            int open = connections.incrementAndGet();
            connection.closeHandler(v -> {
                connections.decrementAndGet();
                Long timer = waitingForHead.remove(connection);
                if (timer != null) {
                    vertx.cancelTimer(timer);
                }
            });
            if (open > limits.maxConnections()) {
                if (tooMany.getAndIncrement() % 1000 == 0) {
                    LOG.warn(
                            "pyroscope-receive {}: more than maxConnections ({}) open, closing new ones",
                            address(),
                            limits.maxConnections());
                }
                connection.close();
                return;
            }
            waitingForHead.put(connection, vertx.setTimer(limits.readTimeoutMillis(), id -> {
                if (waitingForHead.remove(connection) != null) {
                    connection.close();
                }
            }));
        }
    }

    private final AtomicLong tooMany = new AtomicLong();

    /** Open connections now, for metrics and tests. */
    int openConnections() {
        return connections.get();
    }
}
