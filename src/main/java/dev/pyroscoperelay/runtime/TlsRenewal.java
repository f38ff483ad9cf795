package dev.pyroscoperelay.runtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SSLOptions;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uses renewed TLS files without a restart: checks their fingerprint (modification times and sizes, through symlinks,
 * so a Kubernetes Secret's {@code ..data} swap counts) every few seconds, and hands a change to the server or client
 * once the files stayed the same for a whole check (a renewal writes key and certificate one after the other; a key
 * with the old certificate would fail every handshake until the next check). Runs on a Vert.x timer's event loop.
 */
public final class TlsRenewal {
    private static final Logger LOG = LoggerFactory.getLogger(TlsRenewal.class);

    /** How often the TLS files are checked. */
    public static final long CHECK_MILLIS = 2_000;

    private final Vertx vertx;
    private final String owner;
    private final Supplier<String> fingerprint;
    private final Supplier<SSLOptions> options;
    private final Function<SSLOptions, Future<Boolean>> update;
    private final long timer;
    private String applied;
    /** The files as the last check saw them (applied when the next check sees the same). */
    private String seen;

    /**
     * @param owner who uses the files, for the log ("pyroscope-receive 0.0.0.0:4040")
     * @param update hands new options to the server or client (one update: for a server, the event loops' servers
     *     share one listening socket and its TLS context, and each update opens a short window in which Vert.x 4.5
     *     fails a connection's set-up)
     */
    public TlsRenewal(
            Vertx vertx,
            String owner,
            Supplier<String> fingerprint,
            Supplier<SSLOptions> options,
            Function<SSLOptions, Future<Boolean>> update) {
        this.vertx = vertx;
        this.owner = owner;
        this.fingerprint = fingerprint;
        this.options = options;
        this.update = update;
        this.applied = fingerprint.get();
        this.seen = applied;
        this.timer = vertx.setPeriodic(CHECK_MILLIS, id -> check());
    }

    private void check() {
        String now = fingerprint.get();
        String before = seen;
        seen = now;
        if (now.equals(applied) || !now.equals(before)) {
            return;
        }
        applied = now;
        update.apply(options.get()).onComplete(r -> {
            if (r.failed()) {
                LOG.error(
                        "{}: the renewed TLS files cannot be used, keeping the previous ones: {}",
                        owner,
                        r.cause().getMessage());
            }
        });
        LOG.info("{}: TLS files changed, new connections use them", owner);
    }

    /** The files' modification times and sizes (null ones skipped): it changes when one is replaced. */
    public static String fingerprint(String... files) {
        StringBuilder sb = new StringBuilder();
        for (String f : files) {
            if (f != null) {
                try {
                    java.nio.file.Path p = java.nio.file.Path.of(f);
                    sb.append(java.nio.file.Files.getLastModifiedTime(p).toMillis())
                            .append('/')
                            .append(java.nio.file.Files.size(p))
                            .append(';');
                } catch (java.io.IOException e) {
                    sb.append("missing;");
                }
            }
        }
        return sb.toString();
    }

    public void stop() {
        vertx.cancelTimer(timer);
    }
}
