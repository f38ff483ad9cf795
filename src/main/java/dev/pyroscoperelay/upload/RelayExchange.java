package dev.pyroscoperelay.upload;

import org.apache.camel.Exchange;

/**
 * What a receiver puts on the exchange for the writers: the client's deadline and the shared list of writer
 * outcomes. Exchange properties are copied by reference into multicast branches, so every writer reports into
 * the same {@link WriteOutcomes}.
 */
public final class RelayExchange {
    public static final String PROPERTY = "pyroscope.relay";

    private final long deadlineNanos;
    private final WriteOutcomes outcomes = new WriteOutcomes();
    /** A destination's answer that goes back to the client as it is (a debug-info call), or null. */
    private volatile ClientReply passedOn;

    public RelayExchange(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    public static RelayExchange of(Exchange exchange) {
        return exchange.getProperty(PROPERTY, RelayExchange.class);
    }

    /** System.nanoTime() by which the client must have its answer. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    public WriteOutcomes outcomes() {
        return outcomes;
    }

    public ClientReply passedOn() {
        return passedOn;
    }

    public void passOn(ClientReply reply) {
        this.passedOn = reply;
    }
}
