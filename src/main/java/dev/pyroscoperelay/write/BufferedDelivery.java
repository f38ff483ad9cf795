package dev.pyroscoperelay.write;

import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.runtime.SerialExecutor;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A writer with {@code bufferPath}: it reports success only once a profile is safe, accepted by the destination or
 * stored on disk (synced); the {@link Backlog} delivers what is stored. Its file work runs on one pool shared by every
 * buffered writer of the process, never on an event loop.
 */
final class BufferedDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(BufferedDelivery.class);

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
    private final RelayMetrics.Writer metrics;
    private final SerialExecutor serial;
    private final Backlog backlog;
    /** The process's pool for the buffers' file work (stores, reads, moves), shared by every buffered writer. */
    private final WorkerExecutor pool;

    private final Executor files;
    private final Set<CompletableFuture<?>> pendingStores = ConcurrentHashMap.newKeySet();
    private final Runnable removeGauges;
    private final long ticker;

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
        this.metrics = metrics;
        // one pool of this Vert.x for every buffered writer (a named shared executor): file work never runs on an
        // event loop, and ten writers do not start ten pools
        this.pool = client.vertx.createSharedWorkerExecutor(FILE_POOL, FILE_THREADS, 5, TimeUnit.MINUTES);
        this.files = task -> pool.executeBlocking(
                () -> {
                    task.run();
                    return null;
                },
                false);
        this.serial = new SerialExecutor(files);
        this.backlog = new Backlog(store, client, authorization, maxAgeMillis, metrics, serial);
        this.ticker = client.vertx.setPeriodic(TICK_MILLIS, id -> backlog.kick());
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
        if (backlog.healthy() && store.nothingWaiting()) {
            String auth;
            try {
                auth = authorization.get();
            } catch (RuntimeException e) {
                auth = null; // the background delivery logs it
            }
            if (auth != null
                    || client.settings.auth().file() == null
                            && client.settings.auth().oauth2() == null) {
                return new FirstSend(this, request, tenant, profiles).start(auth);
            }
        }
        return store(request, tenant, profiles, false).thenRun(this::kick);
    }

    /** Writes and syncs a profile on the file pool; {@link #close} waits for the stores under way. */
    CompletableFuture<ProfileStore.Entry> store(OutgoingRequest request, String tenant, int profiles, boolean sending) {
        CompletableFuture<ProfileStore.Entry> stored = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        ProfileStore.Entry entry = store.store(request, tenant, profiles, sending);
                        metrics.stored(profiles);
                        return entry;
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                files);
        pendingStores.add(stored);
        stored.whenComplete((e, error) -> pendingStores.remove(stored));
        return stored;
    }

    /** A destination's answer to one attempt. */
    record Answer(dev.pyroscoperelay.upload.WriteOutcome.Kind kind, int status, String detail, long retryAfter) {}

    DestinationClient client() {
        return client;
    }

    /** Where all delivery state lives: one task at a time on the file pool, never on an event loop. */
    SerialExecutor serial() {
        return serial;
    }

    void kick() {
        backlog.kick();
    }

    Backlog backlog() {
        return backlog;
    }

    void close() {
        backlog.stop();
        client.vertx.cancelTimer(ticker);
        // profiles being stored are written whole before the store closes (a client was told they are safe)
        try {
            // a failed store (a full buffer) was answered already: only the end of each matters here
            CompletableFuture.allOf(pendingStores.toArray(CompletableFuture[]::new))
                    .exceptionally(e -> null)
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn(
                    "pyroscope-write \"{}\": closing the buffer while a profile is being stored: {}",
                    writer,
                    e.toString());
        }
        pool.close(); // the shared pool itself closes with the last writer that uses it
        removeGauges.run(); // the gauges must not read a closed store
        store.close();
    }
}
