package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.SerialExecutor;
import dev.pyroscoperelay.upload.PartialSuccess;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A writer with {@code bufferPath}: it reports success only once a profile is safe, accepted by the destination or
 * stored on disk (synced), and delivers what is stored in the background, oldest first, until the destination takes
 * it. While the destination fails, one profile at a time probes it with the writer's backoff (Retry-After honoured),
 * so a destination that comes back is not hit by the whole backlog at once; once one is accepted, {@link #IN_FLIGHT}
 * are sent at a time. A non-retryable answer (400, 413, ...) drops that profile; one older than bufferMaxAge is
 * dropped unsent.
 */
final class BufferedDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(BufferedDelivery.class);

    /** Stored profiles sent at once while the destination accepts them. */
    static final int IN_FLIGHT = 16;

    /** Stores at once: their fsyncs overlap, which the file system commits together. */
    /** The shared pool of the buffers' file work, and its size: syncs to disk wait, so a few may run at once. */
    static final String FILE_POOL = "pyroscope-write-buffer";

    private static final int FILE_THREADS = 16;

    private static final long TICK_MILLIS = 1_000;

    /** A profile sent first is written to disk when its destination has not taken it within this. */
    static final long STORE_AFTER_MILLIS = 100;

    private final ProfileStore store;
    private final DestinationClient client;
    private final Supplier<String> authorization;
    private final String writer;
    private final long maxAgeMillis;
    private final RelayMetrics.Writer metrics;
    /** Where all delivery state lives: one task at a time on the file pool, never on an event loop. */
    private final SerialExecutor context;
    /** The process's pool for the buffers' file work (stores, reads, moves), shared by every buffered writer. */
    private final WorkerExecutor files;

    private final Executor storing;
    private final AtomicInteger pendingStores = new AtomicInteger();
    private final Runnable removeGauges;
    private final long ticker;
    private int inFlight;
    private int failures;
    private long pausedUntilNanos;
    private boolean pumpScheduled;
    private volatile boolean stopped;
    /** No failure since the last accepted profile: new profiles are sent first (see {@link #accept}). */
    private volatile boolean healthy = true;

    private BufferedDelivery(
            ProfileStore store,
            DestinationClient client,
            Supplier<String> authorization,
            long maxAgeMillis,
            RelayMetrics.Writer metrics,
            Runnable removeGauges) {
        this.removeGauges = removeGauges;
        this.store = store;
        this.client = client;
        this.authorization = authorization;
        this.writer = client.settings.name();
        this.maxAgeMillis = maxAgeMillis;
        this.metrics = metrics;
        // one pool of this Vert.x for every buffered writer (a named shared executor): file work never runs on an
        // event loop, and ten writers do not start ten pools
        this.files = client.vertx.createSharedWorkerExecutor(FILE_POOL, FILE_THREADS, 5, TimeUnit.MINUTES);
        this.storing = task -> files.executeBlocking(
                () -> {
                    task.run();
                    return null;
                },
                false);
        this.context = new SerialExecutor(storing);
        this.ticker = client.vertx.setPeriodic(TICK_MILLIS, id -> context.execute(this::pump));
    }

    static BufferedDelivery open(
            WriterSettings.Buffer settings,
            DestinationClient client,
            Supplier<String> authorization,
            RelayMetrics.Writer metrics)
            throws IOException {
        ProfileStore store =
                ProfileStore.open(settings.path(), settings.maxSizeBytes(), settings.dropOldest(), metrics::dropped);
        Runnable removeGauges = metrics.buffer(store::bytes, store::profiles, () -> {
            long oldest = store.oldestMillis();
            return oldest < 0 ? 0 : (System.currentTimeMillis() - oldest) / 1000.0;
        });
        // registered at start (as 0 when nothing happened yet), so dashboards and alerts find the series
        metrics.resentAfterCrash(store.resentAfterCrash());
        metrics.stored(0);
        LOG.info(
                "pyroscope-write \"{}\": buffer {} holds {} profiles ({} bytes) from earlier runs{}",
                client.settings.name(),
                settings.path(),
                store.profiles(),
                store.bytes(),
                store.resentAfterCrash() > 0
                        ? "; " + store.resentAfterCrash()
                                + " were being sent when the relay stopped and may arrive twice"
                        : "");
        BufferedDelivery d =
                new BufferedDelivery(store, client, authorization, settings.maxAgeMillis(), metrics, removeGauges);
        d.kick();
        return d;
    }

    /**
     * Accepts a profile for delivery; completes once it is safe (accepted by the destination, or synced on disk), or
     * with the reason it is not. When nothing waits in the buffer and the destination takes what it gets, the profile
     * is sent at once from memory and written to disk only if that has not succeeded within {@link #STORE_AFTER_MILLIS}
     * (then stored as "being sent", so a crash sends it again) or failed in a way worth retrying. Otherwise it is stored
     * for the background delivery.
     */
    CompletableFuture<Void> accept(OutgoingRequest request, String tenant, int profiles) {
        if (healthy && store.nothingWaiting()) {
            String auth;
            try {
                auth = authorization.get();
            } catch (RuntimeException e) {
                auth = null; // the background delivery logs it
            }
            if (auth != null || client.settings.bearerTokenFile() == null) {
                return new FirstSend(request, tenant, profiles).start(auth);
            }
        }
        return storeAsync(request, tenant, profiles, false).thenRun(this::kick);
    }

    /** Writes and syncs a profile on a store thread. */
    private CompletableFuture<ProfileStore.Entry> storeAsync(
            OutgoingRequest request, String tenant, int profiles, boolean sending) {
        pendingStores.incrementAndGet();
        return CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                ProfileStore.Entry entry = store.store(request, tenant, profiles, sending);
                                metrics.stored(profiles);
                                return entry;
                            } catch (IOException e) {
                                throw new java.util.concurrent.CompletionException(e);
                            }
                        },
                        storing)
                .whenComplete((e, error) -> pendingStores.decrementAndGet());
    }

    /** A profile sent from memory first; stored only when the send is slow or fails (see {@link #accept}). */
    private final class FirstSend {
        private final OutgoingRequest request;
        private final String tenant;
        private final int profiles;
        private final CompletableFuture<Void> safe = new CompletableFuture<>();
        private long timer = -1;
        private boolean storing;
        private boolean stored;
        private ProfileStore.Entry entry;
        private boolean sendDone;
        private Kind kind;
        private int status;
        private String detail;
        private long retryAfter;

        FirstSend(OutgoingRequest request, String tenant, int profiles) {
            this.request = request;
            this.tenant = tenant;
            this.profiles = profiles;
        }

        CompletableFuture<Void> start(String auth) {
            long deadline = System.nanoTime()
                    + TimeUnit.MILLISECONDS.toNanos(
                            client.settings.remoteTimeoutMillis() + Delivery.ANSWER_MARGIN_MILLIS);
            synchronized (this) {
                timer = client.vertx.setTimer(STORE_AFTER_MILLIS, id -> storeWhileSending());
            }
            new Delivery(client, request, tenant, auth, deadline, true, this::sent).start();
            return safe;
        }

        /** Slow destination: the profile goes to disk now (as being sent), and the client is answered then. */
        private void storeWhileSending() {
            synchronized (this) {
                if (sendDone || storing) {
                    return;
                }
                storing = true;
            }
            storeAsync(request, tenant, profiles, true).whenComplete((e, error) -> {
                boolean settleNow;
                synchronized (this) {
                    entry = e; // null when it could not be stored: the send's outcome is then only counted
                    stored = true;
                    settleNow = sendDone;
                }
                if (error != null) {
                    safe.completeExceptionally(error);
                } else {
                    safe.complete(null);
                }
                if (settleNow) {
                    settleOnContext();
                }
            });
        }

        private void sent(Kind kind, int status, int attempts, String detail, long retryAfter, PartialSuccess partial) {
            boolean storeNow = false;
            boolean settleNow;
            synchronized (this) {
                this.kind = kind;
                this.status = status;
                this.detail = detail;
                this.retryAfter = retryAfter;
                sendDone = true;
                if (!storing) {
                    client.vertx.cancelTimer(timer);
                    if (retryable()) {
                        storing = true;
                        storeNow = true;
                    }
                }
                settleNow = !storing || stored;
            }
            if (storeNow) {
                // failed before it was stored: to disk for the background delivery, and the client is answered then
                storeAsync(request, tenant, profiles, false).whenComplete((e, error) -> {
                    if (error != null) {
                        safe.completeExceptionally(error);
                    } else {
                        safe.complete(null);
                    }
                    context.execute(
                            () -> settle(null, request.body().length(), profiles, kind, status, detail, retryAfter));
                    kick();
                });
                return;
            }
            if (settleNow) {
                // delivered (or refused for good) before it needed the disk: safe now
                if (entry == null) {
                    safe.complete(null);
                }
                settleOnContext();
            }
        }

        private boolean retryable() {
            return client.settings.retryPolicy().retryable(new Attempt(kind, status, retryAfter, detail));
        }

        private void settleOnContext() {
            ProfileStore.Entry e;
            synchronized (this) {
                e = entry;
            }
            context.execute(() -> settle(e, request.body().length(), profiles, kind, status, detail, retryAfter));
        }
    }

    private void kick() {
        context.execute(this::pump);
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
                        (kind, status, attempts, detail, retryAfter, partial) ->
                                context.execute(() -> delivered(entry, profile, kind, status, detail, retryAfter)))
                .start();
    }

    private void delivered(
            ProfileStore.Entry entry, StoredProfile profile, Kind kind, int status, String detail, long retryAfter) {
        inFlight--;
        settle(entry, profile.bodyLength(), profile.profiles(), kind, status, detail, retryAfter);
        pump();
    }

    /** What an attempt to send a stored profile means for it (entry null: it was not stored, only sent). */
    private void settle(
            ProfileStore.Entry entry, long bytes, int profiles, Kind kind, int status, String detail, long retryAfter) {
        if (kind == Kind.OK) {
            if (entry != null) {
                store.remove(entry);
            }
            metrics.sent(bytes, profiles);
            failures = 0;
            healthy = true;
        } else if (client.settings.retryPolicy().retryable(new Attempt(kind, status, retryAfter, detail))) {
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
            failed(retryAfter);
        } else {
            LOG.warn(
                    "forward failed: writer={} url={} result={} status={} reason=\"{}\"; dropped from the buffer",
                    writer,
                    client.settings.safeUrl(),
                    kind,
                    status,
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
                    id -> context.execute(() -> {
                        pumpScheduled = false;
                        pump();
                    }));
        }
    }

    void close() {
        stopped = true;
        client.vertx.cancelTimer(ticker);
        // profiles being stored are written whole before the store closes (a client was told they are safe)
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pendingStores.get() > 0 && System.nanoTime() < end) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        files.close(); // the shared pool itself closes with the last writer that uses it
        removeGauges.run(); // the gauges must not read a closed store
        store.close();
    }
}
