package dev.pyroscoperelay.upload;

/**
 * How one writer ended for one request.
 *
 * @param status HTTP status of the last answer, or 0 when there was none
 * @param kind   what happened in the end
 * @param detail a short reason without secrets
 * @param partial an OTLP destination's partial success (profiles it rejected), null when none
 */
public record WriteOutcome(
        String writer, int writerOrder, Kind kind, int status, int attempts, String detail, PartialSuccess partial) {

    public WriteOutcome(String writer, int writerOrder, Kind kind, int status, int attempts, String detail) {
        this(writer, writerOrder, kind, status, attempts, detail, null);
    }

    public enum Kind {
        /** 2xx from the destination. */
        OK,
        /** the destination refused it with a 4xx that is not retried (or retries ran out on 429). */
        REJECTED,
        /** 5xx or 408 until retries or the deadline ran out. */
        SERVER_ERROR,
        /** no connection could be made, or it broke. */
        UNREACHABLE,
        /** every attempt timed out. */
        TIMEOUT,
        /** the relay could not build the request (e.g. invalid external labels). */
        INVALID
    }

    public boolean ok() {
        return kind == Kind.OK;
    }

    /** Failures an SDK should retry: the destination may take the same profile later. */
    public boolean retryable() {
        return kind == Kind.SERVER_ERROR || kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT;
    }
}
