package dev.pyroscoperelay.receive;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a renewed certificate to new connections without a restart: checks a receiver's TLS files every few seconds
 * while it listens, and hands a change to its listening socket once the files stayed the same for a whole check (a
 * renewal writes key and certificate one after the other; a key with the old certificate would fail every handshake
 * until the next check). Runs on the Vert.x timer's event loop only.
 */
final class CertificateRenewal {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateRenewal.class);

    /** How often the TLS files are checked for a renewed certificate. */
    static final long CHECK_MILLIS = 2_000;

    private final Vertx vertx;
    private final ReceiverTls tls;
    private final String address;
    private final long timer;
    private String applied;
    /** The files as the last check saw them (applied when the next check sees the same). */
    private String seen;

    /**
     * Starts checking. The servers of the event loops share one listening socket and its TLS context: {@code server}
     * is any one of them, and one update is enough (each update opens a short window in which Vert.x 4.5 fails a
     * connection's set-up, an NPE in TCPServerBase, so there is only one).
     */
    CertificateRenewal(Vertx vertx, ReceiverTls tls, String address, HttpServer server) {
        this.vertx = vertx;
        this.tls = tls;
        this.address = address;
        this.applied = tls.fingerprint();
        this.seen = applied;
        this.timer = vertx.setPeriodic(CHECK_MILLIS, id -> check(server));
    }

    private void check(HttpServer server) {
        String now = tls.fingerprint();
        String before = seen;
        seen = now;
        if (now.equals(applied) || !now.equals(before)) {
            return;
        }
        applied = now;
        server.updateSSLOptions(tls.sslOptions(), true).onComplete(r -> {
            if (r.failed()) {
                LOG.error(
                        "pyroscope-receive {}: the renewed certificate cannot be used, keeping the previous one: {}",
                        address,
                        r.cause().getMessage());
            }
        });
        LOG.info("pyroscope-receive {}: TLS files changed, new connections get the renewed certificate", address);
    }

    void stop() {
        vertx.cancelTimer(timer);
    }
}
