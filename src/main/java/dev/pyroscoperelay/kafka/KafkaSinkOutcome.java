package dev.pyroscoperelay.kafka;

import dev.pyroscoperelay.upload.RelayExchange;
import dev.pyroscoperelay.upload.WriteOutcome;
import dev.pyroscoperelay.upload.WriteOutcome.Kind;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last step of {@code kamelet:pyroscope-kafka-sink}: records whether Kafka acknowledged the record (as a writer's
 * outcome, so the client gets 200 only then, and 503 with Retry-After when Kafka did not), and puts the upload and the
 * exchange's headers back.
 */
public class KafkaSinkOutcome implements Processor {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSinkOutcome.class);

    private String topic;

    public void setTopic(String topic) {
        this.topic = topic;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void process(Exchange exchange) {
        Exception failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        if (failure == null) {
            failure = exchange.getException();
        }
        // handled here: the receiver's answer must not take it for a failure of the route
        exchange.setException(null);
        exchange.removeProperty(Exchange.EXCEPTION_CAUGHT);
        Message m = exchange.getMessage();
        Object upload = exchange.getProperty(ToKafkaRecord.SAVED_BODY);
        Map<String, Object> headers = exchange.getProperty(ToKafkaRecord.SAVED_HEADERS, Map.class);
        if (upload != null) {
            m.setBody(upload);
        }
        if (headers != null) {
            m.setHeaders(headers);
        }
        exchange.removeProperty(ToKafkaRecord.SAVED_BODY);
        exchange.removeProperty(ToKafkaRecord.SAVED_HEADERS);
        RelayExchange relay = RelayExchange.of(exchange);
        if (relay == null) {
            return;
        }
        String writer = "kafka " + topic;
        Object tooLarge = exchange.removeProperty(ToKafkaRecord.TOO_LARGE);
        if (exchange.removeProperty(ToKafkaRecord.NOT_CARRIED) != null) {
            return;
        } else if (tooLarge != null) {
            relay.outcomes()
                    .add(new WriteOutcome(
                            writer,
                            0,
                            Kind.REJECTED,
                            413,
                            0,
                            "the upload (" + tooLarge + " bytes) is larger than a record may be (maxRequestSize)"));
        } else if (exchange.getProperty(ToKafkaRecord.NOTHING) != null) {
            exchange.removeProperty(ToKafkaRecord.NOTHING);
            relay.outcomes().add(new WriteOutcome(writer, 0, Kind.OK, 200, 0, "nothing left after relabel rules"));
        } else if (failure == null) {
            relay.outcomes().add(new WriteOutcome(writer, 0, Kind.OK, 200, 1, "acknowledged"));
        } else {
            String reason = failure.getClass().getSimpleName() + ": " + failure.getMessage();
            LOG.warn("forward failed: writer=\"{}\" result=SERVER_ERROR reason=\"{}\"", writer, reason);
            relay.outcomes().add(new WriteOutcome(writer, 0, Kind.SERVER_ERROR, 503, 1, "not acknowledged: " + reason));
        }
    }
}
