package dev.pyroscoperelay.runtime;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;

/**
 * The Vert.x instance of one CamelContext's relay, shared by its receivers and writers: one event loop per core. A
 * request is read, routed and sent on the same event loop, and the destination's answer comes back on it too, so a
 * request costs no thread hand-off. Reference counted: started by the first receiver or writer, closed when the last
 * one stops. Two contexts in one JVM each have their own (see {@link PerContext}).
 */
public final class RelayVertx {
    /** System property: milliseconds an event loop may run one task before Vert.x says it has been blocked. */
    public static final String MAX_EVENT_LOOP_EXECUTE_PROPERTY = "pyroscope.relay.max-event-loop-execute-ms";

    private Vertx vertx;
    private int users;

    private RelayVertx() {}

    /** The relay Vert.x of a context (created, not started, on first use). */
    public static RelayVertx of(CamelContext context) {
        return PerContext.get(context, RelayVertx.class, RelayVertx::new);
    }

    public synchronized Vertx acquire() {
        if (users++ == 0) {
            long maxExecute = Long.getLong(MAX_EVENT_LOOP_EXECUTE_PROPERTY, 2000);
            vertx = Vertx.vertx(new VertxOptions()
                    .setEventLoopPoolSize(eventLoops())
                    // file operations (spooled bodies, durable buffers) run here; receivers with workerThreads > 0
                    // get pools of their own
                    .setWorkerPoolSize(8)
                    // Vert.x warns when an event loop runs one task longer than this (the test suite sets 200 ms and
                    // fails a test on such a warning: the relay's own steps never block)
                    .setMaxEventLoopExecuteTime(maxExecute)
                    .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                    // with the stack of the blocked thread from then on (Vert.x's default waits 5 s)
                    .setWarningExceptionTime(Long.getLong(MAX_EVENT_LOOP_EXECUTE_PROPERTY, 5000))
                    .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS));
        }
        return vertx;
    }

    public synchronized void release() {
        if (users > 0 && --users == 0) {
            vertx.close();
            vertx = null;
        }
    }

    /** The running instance, or null. */
    synchronized Vertx current() {
        return vertx;
    }

    /** Whether the calling thread is one of this instance's event loops (not of another Vert.x in the process). */
    boolean onEventLoop() {
        if (!Context.isOnEventLoopThread()) {
            return false;
        }
        Context context = Vertx.currentContext();
        Vertx running = current();
        return context != null && running != null && context.owner() == running;
    }

    /** One per core the JVM may use (taskset and container limits count). */
    public static int eventLoops() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
