package dev.pyroscoperelay.receive;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A receiver's limits on connections: {@code maxConnections} over all event loops (one over the limit is closed at
 * once, as Alloy's conn_limit does not), and {@code readTimeout} for a connection's first request head (a slowloris
 * is closed). The count is shared by the event loops (an atomic); the head timers belong to one event loop each.
 */
final class ConnectionLimits {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionLimits.class);

    private final String address;
    private final int maxConnections;
    private final long readTimeoutMillis;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    ConnectionLimits(String address, int maxConnections, long readTimeoutMillis) {
        this.address = address;
        this.maxConnections = maxConnections;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /** The limits as one event loop applies them: its connections still waiting for their first request head. */
    final class OnEventLoop {
        private final Vertx vertx;
        private final Map<HttpConnection, Long> waitingForHead = new HashMap<>();

        OnEventLoop(Vertx vertx) {
            this.vertx = vertx;
        }

        /** A new connection: counted, closed when over the limit, else given readTimeout for its first head. */
        void connected(HttpConnection connection) {
            int now = open.incrementAndGet();
            connection.closeHandler(v -> {
                open.decrementAndGet();
                headArrived(connection);
            });
            if (now > maxConnections) {
                if (refused.getAndIncrement() % 1000 == 0) {
                    LOG.warn(
                            "pyroscope-receive {}: more than maxConnections ({}) open, closing new ones",
                            address,
                            maxConnections);
                }
                connection.close();
                return;
            }
            waitingForHead.put(connection, vertx.setTimer(readTimeoutMillis, id -> {
                if (waitingForHead.remove(connection) != null) {
                    connection.close();
                }
            }));
        }

        /** A request head arrived: its connection's first-head timer (if any) is done. */
        void requested(HttpServerRequest request) {
            headArrived(request.connection());
        }

        private void headArrived(HttpConnection connection) {
            Long timer = waitingForHead.remove(connection);
            if (timer != null) {
                vertx.cancelTimer(timer);
            }
        }
    }
}
