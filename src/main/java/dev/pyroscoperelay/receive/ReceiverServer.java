package dev.pyroscoperelay.receive;

import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening address and port, with its own Vert.x instance so that requests stuck on one receiver never use up
 * the worker threads of another. The server listens while at least one consumer uses it.
 */
final class ReceiverServer {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiverServer.class);

    private final String host;
    private final int port;
    private final Vertx vertx;
    private final Router router;
    private final boolean onEventLoop;
    private HttpServer server;
    private int users;
    private String bindError;

    ReceiverServer(String host, int port, int workerThreads) {
        this.host = host;
        this.port = port;
        this.onEventLoop = workerThreads == 0;
        this.vertx = Vertx.vertx(new VertxOptions()
                .setWorkerPoolSize(Math.max(1, workerThreads))
                .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()))
                // a writer may legitimately hold a worker for its whole retry budget
                .setMaxWorkerExecuteTime(5).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES));
        this.router = Router.router(vertx);
    }

    /** workerThreads 0: the route starts on the event loop (no hand-off; the route must not block). */
    boolean onEventLoop() {
        return onEventLoop;
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
        io.vertx.core.Future<HttpServer> first;
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
        return server != null || users == 0;
    }

    /** Why it is not listening, or null. */
    synchronized String problem() {
        return server != null || users == 0 ? null : bindError;
    }

    private synchronized io.vertx.core.Future<HttpServer> listen() {
        if (users == 0 || server != null) {
            return io.vertx.core.Future.succeededFuture(server);
        }
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host).setPort(port)
                .setHandle100ContinueAutomatically(true)
                .setDecompressionSupported(false)
                .setCompressionSupported(false)
                // the ingest query carries every label: allow long request lines
                .setMaxInitialLineLength(1024 * 1024)
                .setMaxHeaderSize(64 * 1024)
                .setIdleTimeout(120).setIdleTimeoutUnit(TimeUnit.SECONDS);
        return vertx.createHttpServer(options).requestHandler(router).listen().onComplete(ar -> {
            synchronized (this) {
                if (ar.succeeded()) {
                    if (users > 0 && server == null) {
                        server = ar.result();
                        bindError = null;
                        LOG.info("pyroscope-receive listening on {}:{}", host, server.actualPort());
                    } else {
                        ar.result().close();
                    }
                } else if (users > 0) {
                    String again = bindError == null ? "" : " (again)";
                    bindError = "cannot listen on " + address() + ": " + ar.cause().getMessage();
                    if (again.isEmpty()) {
                        LOG.error("pyroscope-receive {}; not ready, trying again every 5 s", bindError);
                    } else {
                        LOG.debug("pyroscope-receive {}{}", bindError, again);
                    }
                    vertx.setTimer(5000, id -> listen());
                }
            }
        });
    }

    synchronized void release() {
        if (users == 0 || --users > 0) {
            return;
        }
        closeServer();
    }

    synchronized void shutdown() {
        users = 0;
        closeServer();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing Vert.x of receiver {} failed: {}", address(), e.toString());
        }
    }

    private void closeServer() {
        if (server == null) {
            return;
        }
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            LOG.info("pyroscope-receive on {} closed", address());
        } catch (Exception e) {
            LOG.warn("closing receiver {} failed: {}", address(), e.toString());
        } finally {
            server = null;
        }
    }
}
