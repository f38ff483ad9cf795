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
    private HttpServer server;
    private int users;

    ReceiverServer(String host, int port, int workerThreads) {
        this.host = host;
        this.port = port;
        this.vertx = Vertx.vertx(new VertxOptions()
                .setWorkerPoolSize(workerThreads)
                .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()))
                // a writer may legitimately hold a worker for its whole retry budget
                .setMaxWorkerExecuteTime(5).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES));
        this.router = Router.router(vertx);
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

    synchronized void acquire() {
        if (users++ > 0) {
            return;
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
        try {
            server = vertx.createHttpServer(options).requestHandler(router)
                    .listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            users--;
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("pyroscope-receive cannot listen on " + address() + ": " + cause.getMessage(), cause);
        }
        LOG.info("pyroscope-receive listening on {}:{}", host, server.actualPort());
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
