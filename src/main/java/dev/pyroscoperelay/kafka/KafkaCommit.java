package dev.pyroscoperelay.kafka;

import dev.pyroscoperelay.runtime.Durations;
import dev.pyroscoperelay.runtime.RelayMetrics;
import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.WriteOutcome;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.KafkaManualCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of {@code kamelet:pyroscope-kafka-source}, once every writer of the record has answered: commits the
 * record's offset when all took it (or failed in a way no retry mends: counted, logged, skipped). When one failed in
 * a way worth retrying, the offset is not committed: after a pause the step fails, and the consumer
 * ({@code breakOnFirstError}) reads the record again, so it is never skipped.
 */
public class KafkaCommit implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaCommit.class);

    private long retryPauseMillis = 1000;

    public void setRetryPause(String pause) {
        this.retryPauseMillis = Durations.parseMillis("retryPause", pause);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        if (!exchange.getProperty(FromKafkaRecord.SKIP, false, Boolean.class)) {
            RelayExchange relay = RelayExchange.of(exchange);
            List<WriteOutcome> outcomes =
                    relay == null ? List.of() : relay.outcomes().inRouteOrder();
            for (WriteOutcome o : outcomes) {
                if (o.retryable()) {
                    // the consumer waits before reading it again (FromKafkaRecord); not here: this step may run on
                    // the event loop that completed the last writer
                    readAgain.of(exchange).later(exchange, retryPauseMillis);
                    throw new RetryLaterException(
                            "writer \"" + o.writer() + "\": " + o.detail() + ": the record will be read again");
                }
            }
            for (WriteOutcome o : outcomes) {
                if (!o.ok()) {
                    LOG.warn("kafka record dropped by writer \"{}\" (not retried): {}", o.writer(), o.detail());
                    RelayMetrics.of(exchange.getContext()).kafkaSkipped("rejected");
                }
            }
        }
        KafkaManualCommit commit =
                exchange.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, KafkaManualCommit.class);
        if (commit != null) {
            commit.commit();
        }
    }

    /** A destination failed in a way worth retrying: the record's offset stays uncommitted. */
    static final class RetryLaterException extends Exception {
        RetryLaterException(String message) {
            super(message);
        }
    }

    private final ReadAgain.OfContext readAgain = new ReadAgain.OfContext();
}
