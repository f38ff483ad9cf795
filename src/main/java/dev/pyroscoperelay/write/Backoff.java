package dev.pyroscoperelay.write;

import java.util.concurrent.ThreadLocalRandom;

/** Jittered exponential backoff: attempt n waits a random time in [d/2, d], d = min(max, min * 2^(n-1)). */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;

    Backoff(long minMillis, long maxMillis) {
        this.minMillis = Math.max(1, minMillis);
        this.maxMillis = Math.max(this.minMillis, maxMillis);
    }

    long delayAfter(int failedAttempts) {
        int shift = Math.min(30, Math.max(0, failedAttempts - 1));
        long d = Math.min(maxMillis, minMillis << shift);
        long half = d / 2;
        return half + ThreadLocalRandom.current().nextLong(d - half + 1);
    }

    long maxMillis() {
        return maxMillis;
    }
}
