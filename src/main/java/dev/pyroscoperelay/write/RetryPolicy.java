package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.WriteOutcome.Kind;

/**
 * Whether and when a writer tries again: a pure function of the failed attempt, the attempts made and the time left,
 * so a table test can drive it. Jittered exponential backoff: attempt n waits a time in [d/2, d],
 * d = min(maxBackoff, minBackoff * 2^(n-1)); a {@code Retry-After} replaces it, capped by maxBackoff.
 *
 * @param maxAttempts attempts in total, 0 for no limit but the deadline
 */
record RetryPolicy(int maxAttempts, boolean retryOnHttp429, long minBackoffMillis, long maxBackoffMillis) {
    /** Returned by {@link #waitBeforeNext}: no further attempt. */
    static final long STOP = -1;

    /** An attempt needs at least this long after its wait, or it could not finish before the client gives up. */
    static final long MIN_ATTEMPT_MILLIS = 50;

    RetryPolicy {
        minBackoffMillis = Math.max(1, minBackoffMillis);
        maxBackoffMillis = Math.max(minBackoffMillis, maxBackoffMillis);
    }

    /**
     * Milliseconds to wait before the next attempt, or {@link #STOP}.
     *
     * @param attemptsMade attempts so far, the failed one included
     * @param millisLeft time until the writer must have finished (the client's deadline less the answer margin)
     * @param jitter a number in [0, 1] that picks the wait within [d/2, d]
     */
    long waitBeforeNext(Attempt failed, int attemptsMade, long millisLeft, double jitter) {
        if (!retryable(failed) || (maxAttempts > 0 && attemptsMade >= maxAttempts)) {
            return STOP;
        }
        long wait = waitFor(failed.retryAfterMillis(), attemptsMade, jitter);
        return millisLeft - wait < MIN_ATTEMPT_MILLIS ? STOP : wait;
    }

    /**
     * The wait after {@code failures} failures in a row: the destination's Retry-After (-1: none), capped by
     * maxBackoff, else the jittered backoff. The one rule for a delivery's retries and the durable buffer's probes.
     */
    long waitFor(long retryAfterMillis, int failures, double jitter) {
        return retryAfterMillis >= 0 ? Math.min(retryAfterMillis, maxBackoffMillis) : backoff(failures, jitter);
    }

    /** Timeouts, connection errors, 5xx and 408 are retried; 429 only with retryOnHttp429; other 4xx never. */
    boolean retryable(Attempt a) {
        return a.kind() == Kind.SERVER_ERROR
                || a.kind() == Kind.UNREACHABLE
                || a.kind() == Kind.TIMEOUT
                || (a.status() == 429 && retryOnHttp429);
    }

    long backoff(int failedAttempts, double jitter) {
        int shift = Math.min(30, Math.max(0, failedAttempts - 1));
        long d = Math.min(maxBackoffMillis, minBackoffMillis << shift);
        long half = d / 2;
        return half + Math.round((d - half) * Math.min(1, Math.max(0, jitter)));
    }
}
