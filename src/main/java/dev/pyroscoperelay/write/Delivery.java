package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.ClientReply;
import dev.pyroscoperelay.upload.PartialSuccess;
import dev.pyroscoperelay.upload.ProfileUpload.OutgoingRequest;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request to one destination, tried again by the writer's {@link RetryPolicy} until it is accepted, refused, out of
 * attempts or out of time. Every step runs on the event loop of the request; nothing here blocks.
 */
final class Delivery {
    /** Time kept back from the client's deadline to write the answer. */
    static final long ANSWER_MARGIN_MILLIS = 250;

    /** How a delivery ended, told once. */
    interface Done {
        /**
         * @param retryAfterMillis the destination's last Retry-After, -1 when none
         * @param partial an OTLP destination's partial success on OK, else null
         */
        void finished(
                Kind kind, int status, int attempts, String detail, long retryAfterMillis, PartialSuccess partial);
    }

    private final DestinationClient client;
    private final OutgoingRequest request;
    private final String tenant;
    /** Replaced once when the destination refuses it with 401 and the credentials can give another (OAuth2). */
    private String authorization;

    private boolean authorizationRenewed;
    /** Where 307/308 answers sent this request, and how many. */
    private URI redirectedTo;

    private int redirects;
    private final long deadlineNanos;
    private final Done done;
    private final boolean oneAttempt;
    private final String target;
    private int attempts;
    private boolean allTimedOut = true;
    private Attempt last;
    private long attemptStarted;
    private long attemptTimeoutMillis;
    /** Ends an attempt that runs past its share of the deadline; the client's own timeouts are per read. */
    private volatile long timer = -1;

    /** Each attempt's limit: remoteTimeout, or a debug-info upload's own. */
    private long attemptLimitMillis;
    /** Gets the destination's answer as it is (debug info), or null. */
    private java.util.function.Consumer<ClientReply> answerSink;

    private volatile HttpClientRequest current;
    private final AtomicBoolean attemptDone = new AtomicBoolean();

    Delivery(
            DestinationClient client,
            OutgoingRequest request,
            String tenant,
            String authorization,
            long deadlineNanos,
            Done done) {
        this(client, request, tenant, authorization, deadlineNanos, false, done);
    }

    /** @param oneAttempt no retry here: the caller (a buffer) decides when to try again */
    Delivery(
            DestinationClient client,
            OutgoingRequest request,
            String tenant,
            String authorization,
            long deadlineNanos,
            boolean oneAttempt,
            Done done) {
        this.oneAttempt = oneAttempt;
        this.client = client;
        this.request = request;
        this.tenant = tenant;
        this.authorization = authorization;
        this.deadlineNanos = deadlineNanos;
        this.done = done;
        this.target = client.settings.basePath() + request.pathAndQuery();
        this.attemptLimitMillis = client.settings.remoteTimeoutMillis();
    }

    /** The destination's answer goes to {@code sink} as it is (status, Content-Type, body), for the client. */
    Delivery passingAnswerTo(java.util.function.Consumer<ClientReply> sink, long attemptLimitMillis) {
        this.answerSink = sink;
        this.attemptLimitMillis = attemptLimitMillis;
        return this;
    }

    private long millisLeft() {
        return TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()) - ANSWER_MARGIN_MILLIS;
    }

    void start() {
        long remaining = millisLeft();
        if (remaining <= 0) {
            finish();
            return;
        }
        if (attempts++ > 0) {
            client.metrics.retry();
        }
        attemptTimeoutMillis = Math.min(attemptLimitMillis, remaining);
        attemptDone.set(false);
        current = null;
        attemptStarted = System.nanoTime();
        // a Vert.x timer fires on the event loop of this request: no other thread is woken
        timer = client.vertx.setTimer(attemptTimeoutMillis, id -> timedOut());
        RequestOptions options = redirectedTo != null
                ? Redirects.request(
                        client,
                        redirectedTo,
                        RequestHeaders.of(client.settings, request, authorization, tenant, attemptTimeoutMillis))
                : new RequestOptions()
                        .setMethod(HttpMethod.POST)
                        .setHost(client.settings.host())
                        .setPort(client.settings.port())
                        .setSsl(client.settings.ssl())
                        .setURI(target)
                        .setHeaders(RequestHeaders.of(
                                client.settings, request, authorization, tenant, attemptTimeoutMillis));
        if (client.proxy != null && redirectedTo == null) {
            options.setProxyOptions(client.proxy);
        }
        String serverName = client.settings.ssl() && redirectedTo == null
                ? client.settings.tls().serverName()
                : null;
        if (serverName != null) {
            // tlsServerName: connect to the URL's host, send and check this name in TLS (the Host header stays)
            options.setServer(SocketAddress.inetSocketAddress(client.settings.port(), client.settings.host()))
                    .setHost(serverName);
        }
        client.http.request(options).onComplete(opened -> {
            if (opened.failed()) {
                attemptEnded(Attempt.failed(opened.cause(), attemptTimeoutMillis));
                return;
            }
            HttpClientRequest req = opened.result();
            if (serverName != null) {
                req.authority(HostAndPort.create(client.settings.host(), client.settings.port()));
            }
            current = req;
            if (attemptDone.get()) {
                req.reset();
                return;
            }
            RequestBody.send(client.vertx, req, request.body()).onComplete(answered -> {
                if (answered.failed()) {
                    attemptEnded(Attempt.failed(answered.cause(), attemptTimeoutMillis));
                    return;
                }
                HttpClientResponse response = answered.result();
                URI next = client.settings.followRedirects() ? Redirects.next(requestUri(), response, redirects) : null;
                response.body().onComplete(body -> {
                    if (body.succeeded() && next != null) {
                        follow(next);
                    } else {
                        attemptEnded(
                                body.failed()
                                        ? Attempt.failed(body.cause(), attemptTimeoutMillis)
                                        : answered(response, body.result().getBytes()));
                    }
                });
            });
        });
    }

    /** The URI the current attempt went to. */
    private URI requestUri() {
        if (redirectedTo != null) {
            return redirectedTo;
        }
        return URI.create((client.settings.ssl() ? "https://" : "http://") + client.settings.host() + ":"
                + client.settings.port() + target);
    }

    /** A 307/308: the same request (method, body from the same buffer or file) to the Location, at once. */
    private void follow(URI next) {
        if (!attemptDone.compareAndSet(false, true)) {
            return;
        }
        client.vertx.cancelTimer(timer);
        redirects++;
        redirectedTo = next;
        attempts--; // the same attempt goes on: not a retry
        start();
    }

    private Attempt answered(HttpClientResponse response, byte[] body) {
        String location = response.getHeader("Location");
        if (response.statusCode() / 100 == 3 && location != null) {
            // not followed (see Redirects): the reason names where it was sent
            body = ("redirect to " + location + " not followed"
                            + (client.settings.followRedirects() ? ": only 307 and 308 keep the upload" : ""))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        if (answerSink != null) {
            answerSink.accept(new ClientReply(
                    response.statusCode(),
                    response.getHeader("Content-Type"),
                    body,
                    response.statusCode() / 100 == 2 ? "" : "the destination answered " + response.statusCode()));
        }
        Attempt a = Attempt.answered(response.statusCode(), response.getHeader("Retry-After"), body);
        // what a 2xx says beyond success is the API's to read (OTLP's partial success)
        return a.kind() == Kind.OK
                ? a.withPartial(request.api().partialSuccess(body, response.getHeader("Content-Type")))
                : a;
    }

    private void timedOut() {
        attemptEnded(Attempt.timedOut(attemptTimeoutMillis));
        HttpClientRequest req = current;
        if (req != null) {
            req.reset(); // frees the connection: the destination may never answer
        }
    }

    private void attemptEnded(Attempt attempt) {
        if (!attemptDone.compareAndSet(false, true)) {
            return;
        }
        long t = timer;
        if (t >= 0) {
            client.vertx.cancelTimer(t);
        }
        client.metrics.attempt(System.nanoTime() - attemptStarted);
        last = attempt;
        if (attempt.kind() == Kind.OK) {
            finish();
            return;
        }
        allTimedOut &= attempt.kind() == Kind.TIMEOUT;
        if (attempt.status() == 401 && !authorizationRenewed && client.credentials.rejected(authorization)) {
            // an OAuth2 token the destination no longer takes (revoked, or expired early): a new one, at once
            authorizationRenewed = true;
            client.credentials.next().onComplete(renewed -> {
                if (renewed.succeeded() && millisLeft() > 0) {
                    authorization = renewed.result();
                    start();
                } else {
                    finish();
                }
            });
            return;
        }
        long wait = oneAttempt
                ? RetryPolicy.STOP
                : client.settings
                        .retryPolicy()
                        .waitBeforeNext(
                                attempt,
                                attempts,
                                millisLeft(),
                                ThreadLocalRandom.current().nextDouble());
        if (wait == RetryPolicy.STOP) {
            finish();
        } else {
            // Vert.x timers take at least 1 ms (a Retry-After of 0 asks to retry at once)
            client.vertx.setTimer(Math.max(1, wait), id -> start());
        }
    }

    private void finish() {
        if (last == null) {
            done.finished(Kind.TIMEOUT, 0, 0, "no time left before the client's deadline", -1, null);
        } else if (last.kind() == Kind.OK) {
            done.finished(Kind.OK, last.status(), attempts, "ok", -1, last.partial());
        } else {
            // a 429 stays REJECTED: the client gets 429 and backs off itself
            done.finished(
                    allTimedOut ? Kind.TIMEOUT : last.kind(),
                    last.status(),
                    attempts,
                    last.detail() + " after " + attempts + (attempts == 1 ? " attempt" : " attempts"),
                    last.retryAfterMillis(),
                    null);
        }
    }
}
