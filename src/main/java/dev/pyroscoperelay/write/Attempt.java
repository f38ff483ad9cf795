package dev.pyroscoperelay.write;

import dev.pyroscoperelay.upload.PartialSuccess;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;

/**
 * How one attempt to send to a destination ended.
 *
 * @param status HTTP status, 0 when there was no answer
 * @param retryAfterMillis the destination's {@code Retry-After} on 429/503, -1 when none
 * @param detail a short reason without secrets
 */
record Attempt(Kind kind, int status, long retryAfterMillis, String detail, PartialSuccess partial) {

    Attempt(Kind kind, int status, long retryAfterMillis, String detail) {
        this(kind, status, retryAfterMillis, detail, null);
    }

    /** This attempt with what the destination said beyond success (null: nothing). */
    Attempt withPartial(PartialSuccess partial) {
        return new Attempt(kind, status, retryAfterMillis, detail, partial);
    }

    /** The destination answered. */
    static Attempt answered(int status, String retryAfterHeader, byte[] body) {
        Kind kind;
        if (status >= 200 && status < 300) {
            kind = Kind.OK;
        } else if (status >= 500 || status == 408) {
            kind = Kind.SERVER_ERROR;
        } else {
            kind = Kind.REJECTED;
        }
        long retryAfter = (status == 429 || status == 503) ? RetryAfter.millis(retryAfterHeader) : -1;
        String excerpt = excerpt(body);
        return new Attempt(kind, status, retryAfter, "HTTP " + status + (excerpt.isEmpty() ? "" : ": " + excerpt));
    }

    /** No answer: the connection could not be made, broke, or the attempt ran out of time. */
    static Attempt failed(Throwable e, long timeoutMillis) {
        if (e instanceof SocketTimeoutException || e instanceof TimeoutException) {
            return timedOut(timeoutMillis);
        }
        if (e instanceof ConnectException || e instanceof UnknownHostException) {
            return new Attempt(Kind.UNREACHABLE, 0, -1, "cannot connect: " + e.getMessage());
        }
        return new Attempt(Kind.UNREACHABLE, 0, -1, "connection failed: " + e);
    }

    static Attempt timedOut(long timeoutMillis) {
        return new Attempt(Kind.TIMEOUT, 0, -1, "timed out after " + timeoutMillis + " ms");
    }

    private static String excerpt(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        return new String(body, 0, Math.min(300, body.length), StandardCharsets.UTF_8)
                .replaceAll("[\\r\\n\\t]+", " ")
                .trim();
    }
}
