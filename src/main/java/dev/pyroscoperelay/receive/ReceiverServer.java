package dev.pyroscoperelay.receive;

import dev.pyroscoperelay.runtime.RelayNames;
import dev.pyroscoperelay.runtime.RelayVertx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One receiver address as the routes see it: its {@link ReceiverListener} (open while at least one route uses it, and
 * for {@link #REATTACH_MILLIS} after the last one stopped), the route that serves it now, the requests parked between
 * two routes of a reload, and, when the route may block, a worker pool of its own so that requests stuck on one
 * receiver never use up the threads of another.
 */
final class ReceiverServer {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiverServer.class);

    private final RelayVertx relay;
    private final Vertx vertx;
    private final Router router;
    private final WorkerExecutor workers;
    private final ReceiverListener listener;
    private int users;
    private boolean closed;
    private final ParkedRequests parked = new ParkedRequests();
    /** The route that serves this address now, or null between two routes (a reload). */
    private volatile ReceiverConsumer serving;
    /** Closes the port when no route came back after the last one stopped; -1 when none is pending. */
    private long closeTimer = -1;

    /** How long the port stays open, holding requests, after its last route stopped. */
    static final long REATTACH_MILLIS = 10_000;

    /** Per listening address: taken from the first receiver route that uses it. */
    record Limits(
            int workerThreads,
            long idleTimeoutMillis,
            int maxConnections,
            long readTimeoutMillis,
            ReceiverTls tls,
            boolean h2c) {}

    ReceiverServer(String host, int port, Limits limits, RelayVertx relay) {
        this.relay = relay;
        int workerThreads = limits.workerThreads();
        this.vertx = relay.acquire();
        this.router = Router.router(vertx);
        this.listener = new ReceiverListener(host, port, vertx, limits, router::handle);
        // no route of a consumer matched: between the routes of a reload; the request waits for the next route
        this.router.route().last().handler(this::park);
        // a handler that failed: said in the log and to the client (Vert.x Web's default is a bare 500, logged nowhere)
        this.router.route().failureHandler(this::failed);
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
        return listener.address();
    }

    /**
     * A route starts serving this address: it gets the requests that waited for it, and the port opens if it was not
     * open yet (across a reload it stays open).
     */
    void acquire(ReceiverConsumer consumer) {
        Future<Void> first;
        synchronized (this) {
            users++;
            serving = consumer;
            if (closeTimer >= 0) {
                vertx.cancelTimer(closeTimer);
                closeTimer = -1;
            }
            first = closed ? Future.succeededFuture() : listener.open();
        }
        parked.handTo(consumer);
        try {
            // wait (without the lock, which the result handler needs) so that a started route serves at once
            first.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // a bind error is reported and retried by the listener: the relay keeps serving its other receivers,
            // and this one is not ready meanwhile
            LOG.debug("pyroscope-receive {}: not listening yet: {}", address(), e.toString());
        }
    }

    /** Whether this receiver accepts connections, or is not used by any route (then it does not count). */
    synchronized boolean ready() {
        return users == 0 || listener.listening();
    }

    /** Why it is not listening, or null. */
    synchronized String problem() {
        return users == 0 ? null : listener.problem();
    }

    /**
     * A route stops serving this address. The port stays open for {@link #REATTACH_MILLIS}: a reload starts the new
     * route within that, and requests meanwhile wait in {@link ParkedRequests}. Then, if no route came, it closes.
     */
    synchronized void release(ReceiverConsumer consumer) {
        if (serving == consumer) {
            serving = null;
        }
        if (users == 0 || --users > 0) {
            return;
        }
        closeTimer = vertx.setTimer(REATTACH_MILLIS, id -> {
            synchronized (this) {
                if (users > 0 || closeTimer != id) {
                    return;
                }
                closeTimer = -1;
                parked.refuseAll("no route serves " + address() + " any more: nothing was forwarded\n");
                listener.close();
            }
        });
    }

    /**
     * A request that no running route can take now (none attached, or the one attached is stopping): it waits for the
     * next route, or gets 503 when too many wait already.
     */
    void park(RoutingContext ctx) {
        // no lock of this server here: it runs on an event loop, and shutdown() waits for the event loops
        if (ctx.get(RawBodyHandler.BODY_KEY) == null) {
            // its body is read by the route that takes it: until then nothing may be delivered (and lost)
            ctx.request().pause();
        }
        ReceiverConsumer now = serving;
        if (now != null && now.takesRequests()) {
            now.serveParked(ctx);
            return;
        }
        if (!parked.park(ctx)) {
            parked.refuse(
                    ctx,
                    "pyroscope-relay is shutting down, or too many requests wait for a route on " + address() + "\n");
            return;
        }
        // a route may have attached while this one parked: it takes it now
        now = serving;
        if (now != null && now.takesRequests()) {
            parked.handTo(now);
        }
    }

    private void failed(RoutingContext ctx) {
        Throwable t = ctx.failure();
        LOG.error(
                "pyroscope-receive {}: request {} {} failed in the receiver",
                address(),
                ctx.request().method(),
                ctx.request().path(),
                t);
        ReceiverConsumer.releaseBody(ctx);
        if (!ctx.response().ended() && !ctx.response().closed()) {
            RawBodyHandler.reject(
                    ctx,
                    ctx.statusCode() > 0 ? ctx.statusCode() : 500,
                    "relay error: " + (t == null ? "status " + ctx.statusCode() : t) + "\n");
        }
    }

    /** A suspended route was resumed: it takes the requests that waited meanwhile. */
    void resumed(ReceiverConsumer consumer) {
        parked.handTo(consumer);
    }

    void shutdown() {
        synchronized (this) {
            users = 0;
            serving = null;
        }
        parked.close("pyroscope-relay is shutting down\n");
        // without this server's lock: closing waits for the event loops, which may be waiting for the lock in park()
        closeServers();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (workers != null) {
                workers.close();
            }
            relay.release();
        }
    }

    /** Closes the port and waits for it; called without this server's lock (the event loops may need it). */
    private void closeServers() {
        try {
            listener.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("closing receiver {} failed: {}", address(), e.toString());
        }
    }
}
