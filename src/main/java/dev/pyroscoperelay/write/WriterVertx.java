package dev.pyroscoperelay.write;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

/**
 * The Vert.x instance the writers' HTTP clients run on: one event loop per core, shared by all writers (their I/O
 * never blocks, so a slow destination cannot hold up another), closed when the last writer stops.
 */
final class WriterVertx {
    private static Vertx vertx;
    private static int users;

    private WriterVertx() {
    }

    static synchronized Vertx acquire() {
        if (users++ == 0) {
            vertx = Vertx.vertx(new VertxOptions()
                    .setEventLoopPoolSize(Math.max(1, Runtime.getRuntime().availableProcessors()))
                    .setWorkerPoolSize(1));
        }
        return vertx;
    }

    static synchronized void release() {
        if (users > 0 && --users == 0) {
            vertx.close();
            vertx = null;
        }
    }
}
