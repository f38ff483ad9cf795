package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A profile that a buffered writer sends from memory first, and writes to disk only when the destination is slow
 * ({@link BufferedDelivery#STORE_AFTER_MILLIS}) or fails in a way worth retrying. What {@link #start} returns completes once the
 * profile is safe: accepted, refused for good, or synced on disk. Every event (the store timer, the destination's
 * answer, the end of a store) is handled on the buffer's serial executor, so this state needs no lock.
 */
final class FirstSend {
    private final BufferedDelivery buffer;
    private final OutgoingRequest request;
    private final String tenant;
    private final int profiles;
    private final CompletableFuture<Void> safe = new CompletableFuture<>();
    private long timer = -1;
    /** A store of this profile has started (while sending, or after a retryable failure). */
    private boolean storing;
    /** The store while sending has ended; {@link #entry} is what it wrote (null when it could not write). */
    private boolean stored;

    private ProfileStore.Entry entry;
    /** The destination's answer, once it came. */
    private BufferedDelivery.Answer answer;

    FirstSend(BufferedDelivery buffer, OutgoingRequest request, String tenant, int profiles) {
        this.buffer = buffer;
        this.request = request;
        this.tenant = tenant;
        this.profiles = profiles;
    }

    CompletableFuture<Void> start(String auth) {
        DestinationClient client = buffer.client();
        long deadline = System.nanoTime()
                + TimeUnit.MILLISECONDS.toNanos(client.settings.remoteTimeoutMillis() + Delivery.ANSWER_MARGIN_MILLIS);
        timer = client.vertx.setTimer(
                BufferedDelivery.STORE_AFTER_MILLIS, id -> buffer.serial().execute(this::slow));
        new Delivery(
                        client,
                        request,
                        tenant,
                        auth,
                        deadline,
                        true,
                        (kind, status, attempts, detail, retryAfter, partial) -> buffer.serial()
                                .execute(() -> answered(new BufferedDelivery.Answer(kind, status, detail, retryAfter))))
                .start();
        return safe;
    }

    /** Slow destination: the profile goes to disk now (as being sent, so a crash sends it again). */
    private void slow() {
        if (answer != null || storing) {
            return;
        }
        storing = true;
        buffer.store(request, tenant, profiles, true)
                .whenComplete((e, error) -> buffer.serial().execute(() -> storedWhileSending(e, error)));
    }

    private void storedWhileSending(ProfileStore.Entry e, Throwable error) {
        entry = e;
        stored = true;
        complete(error);
        if (answer != null) {
            buffer.backlog().settle(entry, request.body().length(), profiles, answer);
        }
    }

    private void answered(BufferedDelivery.Answer a) {
        answer = a;
        if (storing) {
            if (stored) {
                buffer.backlog().settle(entry, request.body().length(), profiles, a);
            } // else the store's end settles it
            return;
        }
        buffer.client().vertx.cancelTimer(timer);
        if (buffer.backlog().retryable(a)) {
            // failed before it was stored: to disk for the background delivery, and the client is answered then
            storing = true;
            buffer.store(request, tenant, profiles, false).whenComplete((e, error) -> {
                complete(error);
                buffer.serial()
                        .execute(() ->
                                buffer.backlog().settle(null, request.body().length(), profiles, a));
                buffer.kick();
            });
            return;
        }
        // delivered (or refused for good) before it needed the disk: safe now
        safe.complete(null);
        buffer.backlog().settle(null, request.body().length(), profiles, a);
    }

    private void complete(Throwable error) {
        if (error != null) {
            safe.completeExceptionally(error);
        } else {
            safe.complete(null);
        }
    }
}
