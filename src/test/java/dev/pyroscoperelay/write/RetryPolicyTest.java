package dev.pyroscoperelay.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The writer's retry decision, table-driven (docs/behaviour.md section 3). */
class RetryPolicyTest {
    private static final long STOP = RetryPolicy.STOP;

    @ParameterizedTest(name = "{0} status {1} retryAfter {2}, attempt {3} of {4}, 429 retried {5}, {6} ms left -> {7}")
    @CsvSource({
        // kind, status, retryAfter, attemptsMade, maxAttempts, retry429, millisLeft, expected wait (jitter 1 = d)
        "SERVER_ERROR, 500, -1, 1, 10, true, 9000, 100",
        "SERVER_ERROR, 502, -1, 2, 10, true, 9000, 200",
        "SERVER_ERROR, 503, -1, 3, 10, true, 9000, 400",
        "SERVER_ERROR, 408, -1, 1, 10, true, 9000, 100",
        "UNREACHABLE,    0, -1, 1, 10, true, 9000, 100",
        "TIMEOUT,        0, -1, 1, 10, true, 9000, 100",
        // backoff is capped by maxBackoff (1000 ms here)
        "SERVER_ERROR, 500, -1, 5, 10, true, 9000, 1000",
        "SERVER_ERROR, 500, -1, 40, 0, true, 9000, 1000",
        // 4xx are never retried; 429 only with retryOnHttp429
        "REJECTED,     400, -1, 1, 10, true, 9000, -1",
        "REJECTED,     401, -1, 1, 10, true, 9000, -1",
        "REJECTED,     413, -1, 1, 10, true, 9000, -1",
        "REJECTED,     429, -1, 1, 10, true, 9000, 100",
        "REJECTED,     429, -1, 1, 10, false, 9000, -1",
        "INVALID,      400, -1, 0, 10, true, 9000, -1",
        // Retry-After replaces the backoff, capped by maxBackoff
        "REJECTED,     429, 300, 1, 10, true, 9000, 300",
        "SERVER_ERROR, 503, 5000, 1, 10, true, 9000, 1000",
        "SERVER_ERROR, 503, 0, 4, 10, true, 9000, 0",
        // attempts in total; 0 is no limit
        "SERVER_ERROR, 500, -1, 10, 10, true, 9000, -1",
        "SERVER_ERROR, 500, -1, 1, 1, true, 9000, -1",
        "SERVER_ERROR, 500, -1, 11, 0, true, 9000, 1000",
        // no attempt that could not finish before the client's deadline
        "SERVER_ERROR, 500, -1, 1, 10, true, 149, -1",
        "SERVER_ERROR, 500, -1, 1, 10, true, 150, 100",
        "SERVER_ERROR, 503, 5000, 1, 10, true, 1049, -1",
    })
    void decides(
            Kind kind,
            int status,
            long retryAfter,
            int attemptsMade,
            int maxAttempts,
            boolean retry429,
            long millisLeft,
            long expected) {
        RetryPolicy policy = new RetryPolicy(maxAttempts, retry429, 100, 1000);
        Attempt failed = new Attempt(kind, status, retryAfter, "test");
        assertEquals(expected, policy.waitBeforeNext(failed, attemptsMade, millisLeft, 1.0));
    }

    @ParameterizedTest
    @CsvSource({"1, 100", "2, 200", "3, 400", "4, 800", "5, 1000", "31, 1000", "200, 1000"})
    void jitterPicksWithinHalfToFull(int attempt, long d) {
        RetryPolicy policy = new RetryPolicy(0, true, 100, 1000);
        assertEquals(d / 2, policy.backoff(attempt, 0.0));
        assertEquals(d, policy.backoff(attempt, 1.0));
        long mid = policy.backoff(attempt, 0.5);
        assertTrue(mid >= d / 2 && mid <= d, "attempt " + attempt + " waited " + mid);
    }

    @ParameterizedTest
    @CsvSource({"0, 0, 1, 1", "500, 100, 500, 500", "-5, 10, 1, 10"})
    void boundsAreSane(long min, long max, long expectedMin, long expectedMax) {
        RetryPolicy policy = new RetryPolicy(0, true, min, max);
        assertEquals(expectedMin, policy.minBackoffMillis());
        assertEquals(expectedMax, policy.maxBackoffMillis());
    }
}
