package dev.pyroscoperelay.runtime;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The one Vert.x instance of the relay, shared by receivers and writers: one event loop per core. A request is read,
 * routed and sent on the same event loop, and the destination's answer comes back on it too, so a request costs no
 * thread hand-off. Reference counted: closed when the last receiver or writer stops.
 */
public final class RelayVertx {
    private static volatile Vertx vertx;
    private static int users;

    /** System property: milliseconds an event loop may run one task before Vert.x says it has been blocked. */
    public static final String MAX_EVENT_LOOP_EXECUTE_PROPERTY = "pyroscope.relay.max-event-loop-execute-ms";

    private RelayVertx() {}

    public static synchronized Vertx acquire() {
        if (users++ == 0) {
            vertx = Vertx.vertx(new VertxOptions()
                    .setEventLoopPoolSize(eventLoops())
                    // file operations (spooled bodies, durable buffers) run here; receivers with workerThreads > 0
                    // get pools of their own
                    .setWorkerPoolSize(8)
                    // Vert.x warns when an event loop runs one task longer than this (the test suite sets 200 ms and
                    // fails a test on such a warning: the relay's own steps never block)
                    .setMaxEventLoopExecuteTime(Long.getLong(MAX_EVENT_LOOP_EXECUTE_PROPERTY, 2000))
                    .setMaxEventLoopExecuteTimeUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
                    // with the stack of the blocked thread from then on (Vert.x's default waits 5 s)
                    .setWarningExceptionTime(Long.getLong(MAX_EVENT_LOOP_EXECUTE_PROPERTY, 5000))
                    .setWarningExceptionTimeUnit(java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        return vertx;
    }

    public static synchronized void release() {
        if (users > 0 && --users == 0) {
            vertx.close();
            vertx = null;
        }
    }

    /** The running instance, or null. */
    static Vertx current() {
        return vertx;
    }

    /** One per core the JVM may use (taskset and container limits count). */
    public static int eventLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
