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

    private RelayVertx() {}

    public static synchronized Vertx acquire() {
        if (users++ == 0) {
            vertx = Vertx.vertx(new VertxOptions()
                    .setEventLoopPoolSize(eventLoops())
                    // file operations (spooled bodies, durable buffers) run here; receivers with workerThreads > 0
                    // get pools of their own
                    .setWorkerPoolSize(8));
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
