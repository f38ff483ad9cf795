package dev.pyroscoperelay.receive;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Requests that reach a receiver's port while no route serves it: during a hot reload (between the old route's stop
 * and the new one's start) or while the old route drains. They wait here, on their connections, and are handed to
 * the next route that attaches; if none does in time, or the relay stops, they get 503 with Retry-After. So a reload
 * fails no request and the port never closes.
 */
final class ParkedRequests {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ParkedRequests.class);
    /** At most this many wait; more get 503 at once. */
    private static final int MAX_PARKED = 10_000;

    private record Parked(RoutingContext ctx, Context context) {}

    private final Deque<Parked> parked = new ArrayDeque<>();
    private boolean closed;
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();

    /** Holds a request; false when full or closed (the caller answers it). */
    synchronized boolean park(RoutingContext ctx) {
        if (closed || parked.size() >= MAX_PARKED) {
            return false;
        }
        Context context = Vertx.currentContext();
        parked.add(new Parked(ctx, context == null ? ctx.vertx().getOrCreateContext() : context));
        return true;
    }

    /** Hands every parked request to the consumer that now serves the port, each on its own event loop. */
    void handTo(ReceiverConsumer consumer) {
        for (Parked p : takeAll()) {
            p.context().runOnContext(v -> {
                if (!p.ctx().response().closed() && !p.ctx().response().ended()) {
                    try {
                        consumer.serveParked(p.ctx());
                    } catch (RuntimeException e) {
                        LOG.error("a request that waited for a route could not be served", e);
                        answer(p.ctx(), 500, "relay error: " + e + "\n");
                    }
                }
            });
        }
    }

    /** Answers every parked request with 503: nothing will serve this port. Logged once for all of them. */
    void refuseAll(String why) {
        Deque<Parked> all = takeAll();
        if (!all.isEmpty()) {
            LOG.warn("{} requests that waited for a route got 503: {}", all.size(), why.strip());
        }
        for (Parked p : all) {
            p.context().runOnContext(v -> answer(p.ctx(), 503, why));
        }
    }

    /**
     * Answers one request that could not park (full, or closed) with 503; logged for the first and then every
     * 1000th, since it happens to many at once (a shutdown, an overload).
     */
    void refuse(RoutingContext ctx, String why) {
        long n = refused.getAndIncrement();
        if (n % 1000 == 0) {
            LOG.warn("a request that could not wait for a route got 503 ({} so far): {}", n + 1, why.strip());
        }
        answer(ctx, 503, why);
    }

    private static void answer(RoutingContext ctx, int status, String text) {
        ReceiverConsumer.releaseBody(ctx);
        if (!ctx.response().closed() && !ctx.response().ended()) {
            if (status == 503) {
                ctx.response().putHeader("Retry-After", RawBodyHandler.RETRY_AFTER_SECONDS);
            }
            ctx.response()
                    .setStatusCode(status)
                    .putHeader("Connection", "close")
                    .putHeader("Content-Type", "text/plain; charset=utf-8")
                    .end(text);
        }
    }

    /** The port closes for good: every waiting request gets 503, and so does every later one. */
    void close(String why) {
        synchronized (this) {
            closed = true;
        }
        refuseAll(why);
    }

    synchronized int size() {
        return parked.size();
    }

    private synchronized Deque<Parked> takeAll() {
        Deque<Parked> all = new ArrayDeque<>(parked);
        parked.clear();
        return all;
    }
}
