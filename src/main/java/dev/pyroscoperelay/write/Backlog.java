package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.SerialExecutor;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background delivery of a buffered writer: sends the stored profiles, oldest first, until the destination takes
 * them. While the destination fails, one profile at a time probes it with the writer's backoff (Retry-After
 * honoured), so a destination that comes back is not hit by the whole backlog at once; once one is accepted,
 * {@link #IN_FLIGHT} are sent at a time. A non-retryable answer (400, 413, ...) drops that profile; one older than
 * bufferMaxAge is dropped unsent. All its state is touched only on the buffer's serial executor.
 */
final class Backlog {
    private static final Logger LOG = LoggerFactory.getLogger(Backlog.class);

    /** Stored profiles sent at once while the destination accepts them. */
    static final int IN_FLIGHT = 16;

    private final ProfileStore store;
    private final DestinationClient client;
    private final Supplier<String> authorization;
    private final String writer;
    private final long maxAgeMillis;
    private final RelayMetrics.Writer metrics;
    private final SerialExecutor serial;
    private int inFlight;
    private int failures;
    private long pausedUntilNanos;
    private boolean pumpScheduled;
    private volatile boolean stopped;
    /** No failure since the last accepted profile: new profiles may be sent first (see BufferedDelivery.accept). */
    private volatile boolean healthy = true;

    Backlog(
            ProfileStore store,
            DestinationClient client,
            Supplier<String> authorization,
            long maxAgeMillis,
            RelayMetrics.Writer metrics,
            SerialExecutor serial) {
        this.store = store;
        this.client = client;
        this.authorization = authorization;
        this.writer = client.settings.name();
        this.maxAgeMillis = maxAgeMillis;
        this.metrics = metrics;
        this.serial = serial;
    }

    boolean healthy() {
        return healthy;
    }

    void stop() {
        stopped = true;
    }

    /** Whether a failed attempt is worth another. */
    boolean retryable(BufferedDelivery.Answer a) {
        return client.settings.retryPolicy().retryable(new Attempt(a.kind(), a.status(), a.retryAfter(), a.detail()));
    }

    void kick() {
        serial.execute(this::pump);
    }

    /** Starts deliveries of the oldest stored profiles, as many as the destination's state allows. */
    private void pump() {
        if (stopped || System.nanoTime() < pausedUntilNanos) {
            return;
        }
        // one probe at a time while the destination fails
        int limit = failures > 0 ? 1 : IN_FLIGHT;
        while (inFlight < limit) {
            ProfileStore.Entry entry;
            try {
                entry = store.nextToSend();
            } catch (IOException e) {
                LOG.error("pyroscope-write \"{}\": cannot read buffer {}: {}", writer, store.directory(), e.toString());
                return;
            }
            if (entry == null) {
                return;
            }
            send(entry);
        }
    }

    private void send(ProfileStore.Entry entry) {
        Path file = store.sendingFile(entry);
        StoredProfile profile;
        try {
            profile = StoredProfile.read(file);
            if (!entry.verified()) {
                profile.verify(file);
            }
        } catch (StoredProfile.CorruptProfileException | IOException e) {
            LOG.error(
                    "pyroscope-write \"{}\": dropping {} from the buffer, it cannot be sent: {}",
                    writer,
                    file,
                    e.getMessage());
            store.remove(entry);
            metrics.dropped("corrupt", entry.size(), 1);
            return;
        }
        if (maxAgeMillis > 0 && System.currentTimeMillis() - profile.createdMillis() > maxAgeMillis) {
            LOG.warn(
                    "pyroscope-write \"{}\": dropping {} from the buffer: older than bufferMaxAge ({} ms)",
                    writer,
                    entry.name(),
                    maxAgeMillis);
            store.remove(entry);
            metrics.dropped("max_age", profile.bodyLength(), profile.profiles());
            return;
        }
        String auth;
        try {
            auth = authorization.get();
        } catch (RuntimeException e) {
            LOG.error("pyroscope-write \"{}\": {}", writer, e.getMessage());
            store.putBack(entry);
            failed(-1);
            return;
        }
        inFlight++;
        // one attempt per delivery: the backoff between attempts is this class's, so the backlog waits too
        long deadline = System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(
                        client.settings.remoteTimeoutMillis() + Delivery.ANSWER_MARGIN_MILLIS + 1);
        OutgoingRequest request = profile.toRequest(file);
        new Delivery(
                        client,
                        request,
                        profile.tenant(),
                        auth,
                        deadline,
                        true,
                        (kind, status, attempts, detail, retryAfter, partial) -> serial.execute(() -> delivered(
                                entry, profile, new BufferedDelivery.Answer(kind, status, detail, retryAfter))))
                .start();
    }

    private void delivered(ProfileStore.Entry entry, StoredProfile profile, BufferedDelivery.Answer answer) {
        inFlight--;
        settle(entry, profile.bodyLength(), profile.profiles(), answer);
        pump();
    }

    /** What an attempt to send a stored profile means for it (entry null: it was not stored, only sent). */
    void settle(ProfileStore.Entry entry, long bytes, int profiles, BufferedDelivery.Answer answer) {
        Kind kind = answer.kind();
        String detail = answer.detail();
        if (kind == Kind.OK) {
            if (entry != null) {
                store.remove(entry);
            }
            metrics.sent(bytes, profiles);
            failures = 0;
            healthy = true;
        } else if (retryable(answer)) {
            if (entry != null) {
                store.putBack(entry);
            }
            if (failures == 0) {
                LOG.warn(
                        "pyroscope-write \"{}\": destination {} failed ({}); {} profiles wait in the buffer, retrying",
                        writer,
                        client.settings.safeUrl(),
                        detail,
                        store.profiles());
            }
            failed(answer.retryAfter());
        } else {
            LOG.warn(
                    "forward failed: writer={} url={} result={} status={} reason=\"{}\"; dropped from the buffer",
                    writer,
                    client.settings.safeUrl(),
                    kind,
                    answer.status(),
                    detail);
            if (entry != null) {
                store.remove(entry);
            }
            metrics.dropped(kind.name().toLowerCase(Locale.ROOT), bytes, profiles);
        }
    }

    /** Waits with the writer's backoff (or the destination's Retry-After) before the next probe. */
    private void failed(long retryAfter) {
        healthy = false;
        if (System.nanoTime() < pausedUntilNanos) {
            // sends that were under way when the destination failed: one failure round is one backoff step
            return;
        }
        failures++;
        long wait = client.settings
                .retryPolicy()
                .waitFor(retryAfter, failures, ThreadLocalRandom.current().nextDouble());
        pausedUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        if (!pumpScheduled) {
            pumpScheduled = true;
            client.vertx.setTimer(
                    Math.max(1, wait),
                    id -> serial.execute(() -> {
                        pumpScheduled = false;
                        pump();
                    }));
        }
    }
}
