package dev.pyroscoperelay.runtime;

import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices when one of the relay's event loops stops running tasks (a blocking step in a route, a thread killed by an
 * error): every receiver on that loop would hang while the port still accepts connections. Liveness and readiness go
 * DOWN at once, and the process exits non-zero a few seconds later (when {@code exit} is set, as the relay
 * application does), so an orchestrator restarts it instead of keeping a zombie.
 */
public final class EventLoopWatchdog extends AbstractHealthCheck {
    private static final Logger LOG = LoggerFactory.getLogger(EventLoopWatchdog.class);

    /** How long an event loop may be stuck before the relay is declared dead. */
    public static final String MAX_STALL = "pyroscope.relay.event-loop-max-stall";

    /** Whether the process exits once the relay is declared dead (true for the relay application). */
    public static final String EXIT = "pyroscope.relay.exit-on-dead-event-loop";

    /** Exit code for a dead event loop. */
    static final int EXIT_CODE = 70;

    private static final long TICK_MILLIS = 500;
    private static final long EXIT_AFTER_MILLIS = 5_000;

    private final RelayVertx relay;
    private final long maxStallMillis;
    private final boolean exit;
    private final Map<EventExecutor, Long> lastRun = new ConcurrentHashMap<>();
    private ScheduledExecutorService ticker;
    private volatile String dead;
    private long deadSince;

    public EventLoopWatchdog(RelayVertx relay, long maxStallMillis, boolean exit) {
        super("pyroscope-relay", "event-loops");
        this.relay = relay;
        this.maxStallMillis = maxStallMillis;
        this.exit = exit;
    }

    public synchronized void start() {
        if (ticker != null) {
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pyroscope-relay-event-loop-watchdog");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    public synchronized void stop() {
        if (ticker != null) {
            ticker.shutdownNow();
            ticker = null;
        }
    }

    private void tick() {
        try {
            Vertx vertx = relay.current();
            if (!(vertx instanceof VertxInternal internal)) {
                lastRun.clear();
                return;
            }
            long now = System.nanoTime();
            List<String> stuck = new ArrayList<>();
            for (EventExecutor loop : internal.getEventLoopGroup()) {
                long last = lastRun.computeIfAbsent(loop, l -> now);
                if (loop.isShutdown()) {
                    continue;
                }
                long stalled = TimeUnit.NANOSECONDS.toMillis(now - last);
                if (stalled > maxStallMillis) {
                    stuck.add(describe(loop, stalled));
                }
                // each loop stamps its own time when it runs this; a stuck loop never does
                loop.execute(() -> lastRun.put(loop, System.nanoTime()));
            }
            if (!stuck.isEmpty() && dead == null) {
                dead = String.join("; ", stuck);
                deadSince = now;
                LOG.error(
                        "relay is dead: {}. Health is DOWN{}", dead, exit ? "; exiting in 5 s so it is restarted" : "");
            }
            if (dead != null && exit && TimeUnit.NANOSECONDS.toMillis(now - deadSince) >= EXIT_AFTER_MILLIS) {
                LOG.error("exiting with status {}: {}", EXIT_CODE, dead);
                // halt: a shutdown would wait for requests that the stuck loop never finishes
                Runtime.getRuntime().halt(EXIT_CODE);
            }
        } catch (RuntimeException e) {
            LOG.debug("event loop watchdog: {}", e.toString());
        }
    }

    private static String describe(EventExecutor loop, long stalledMillis) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (loop.inEventLoop(t)) {
                StackTraceElement[] stack = t.getStackTrace();
                String where = stack.length == 0 ? "" : " at " + stack[0];
                return t.getName() + (t.isAlive() ? " blocked" : " died") + " for " + stalledMillis + " ms" + where;
            }
        }
        return "an event loop thread that is gone, for " + stalledMillis + " ms";
    }

    @Override
    public boolean isLiveness() {
        return true;
    }

    @Override
    public boolean isReadiness() {
        return true;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String d = dead;
        if (d == null) {
            builder.up();
        } else {
            builder.message(d).down();
        }
    }
}
